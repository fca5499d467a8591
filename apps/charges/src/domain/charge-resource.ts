import type { PaymentChargeResource } from '@payment-ledger/contracts';
import type { ExistingCharge } from './charge.decider';

/** The API representation of a charge (seed 001's response shape), from its folded state. */
export function toPaymentChargeResource(state: ExistingCharge): PaymentChargeResource {
  return {
    id: state.id,
    status: state.status,
    paymentMethod: state.paymentMethod,
    amount: { value: state.amount.value, currency: state.amount.currency },
    currency: state.amount.currency,
    country: state.consumer.country,
    consumer: state.consumer,
    captureMethod: state.captureMethod,
    merchantPaymentChargeReference: state.merchantPaymentChargeReference,
    webhooksUrl: state.webhooksUrl,
    agreementId: state.agreementId,
    instrumentId: state.instrumentId,
    authenticationMethods: state.authentication
      ? [
          {
            type: 'REDIRECT',
            details: { requestUrl: state.authentication.requestUrl, requestMethod: state.authentication.requestMethod },
          },
        ]
      : [],
    authorizations: state.authorizations.map(({ id, amount, status, createdAt, updatedAt }) => ({
      id,
      amount,
      status,
      createdAt,
      updatedAt,
    })),
    captures: state.captures.map(({ id, amount, status, createdAt, updatedAt }) => ({
      id,
      amount,
      status,
      createdAt,
      updatedAt,
    })),
    refunds: [],
    voids: state.voids.map(({ id, amount, status, reason, createdAt, updatedAt }) => ({
      id,
      amount,
      status,
      reason,
      createdAt,
      updatedAt,
    })),
    history: state.history,
    failure: state.failure,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
}
