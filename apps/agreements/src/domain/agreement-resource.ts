import type { PaymentAgreementResource } from '@payment-ledger/contracts';
import type { ExistingAgreement } from './agreement.decider';

/** The API representation of an agreement (seed 001's response shape), from its folded state. */
export function toPaymentAgreementResource(state: ExistingAgreement): PaymentAgreementResource {
  return {
    id: state.id,
    status: state.status,
    paymentMethod: state.paymentMethod,
    startDate: state.startDate,
    endDate: state.endDate,
    description: state.description,
    frequency: state.frequency,
    amount: state.amount,
    amountType: state.amountType,
    instrumentId: state.instrumentId,
    consumer: state.consumer,
    merchantPaymentAgreementReference: state.merchantPaymentAgreementReference,
    webhooksUrl: state.webhooksUrl,
    authenticationMethods: [
      {
        type: 'REDIRECT',
        details: { requestUrl: state.authentication.requestUrl, requestMethod: state.authentication.requestMethod },
      },
    ],
    history: state.history,
    initialPaymentChargeId: state.initialPaymentCharge?.chargeId ?? null,
    failure: state.failure,
    revokedBy: state.revokedBy,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
}
