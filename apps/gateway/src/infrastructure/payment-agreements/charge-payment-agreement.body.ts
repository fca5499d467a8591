import { type Infer, object, optional } from '../http/body-schema';
import { RequestBody } from '../http/request-body';
import { amount, merchantReference, sandbox } from '../payment-charges/create-payment-charge.body';

/** A merchant-initiated charge under an agreement: the amount is the agreement's unless given. */
export const chargePaymentAgreementBody = new RequestBody(
  object('ChargePaymentAgreementDto', {
    amount: optional({ ...amount, description: 'Required for VARIABLE agreements; defaults to the agreed amount' }),
    merchantPaymentChargeReference: merchantReference('ride-2025-02-19-1'),
    sandbox,
  }),
);
export type ChargePaymentAgreementBody = Infer<typeof chargePaymentAgreementBody.schema>;
