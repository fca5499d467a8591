import type { ChargeFailure, RefundSimulationCode, SimulationCode } from '@payment-ledger/contracts';

/**
 * What each Amazon Pay simulation code does in the sandbox: the failure it produces, or a delayed (async)
 * authorization. Amazon Pay's own reason codes are kept as `providerFailureCode`.
 */
export const SIMULATED_FAILURES: Readonly<Record<Exclude<SimulationCode, 'AuthorizationInitiated'>, ChargeFailure>> =
  Object.freeze({
    BuyerCanceled: {
      failureType: 'PROVIDER_DECLINE',
      failureCode: 'consumer_canceled',
      providerFailureCode: 'BuyerCanceled',
      failureMessage: 'The consumer canceled the payment on the Amazon Pay page',
      isRetryable: true,
    },
    Declined: {
      failureType: 'PROVIDER_DECLINE',
      failureCode: 'declined',
      providerFailureCode: 'Declined',
      failureMessage: 'Amazon Pay declined the payment',
      isRetryable: false,
    },
    HardDeclined: {
      failureType: 'PROVIDER_DECLINE',
      failureCode: 'hard_declined',
      providerFailureCode: 'HardDeclined',
      failureMessage: 'The payment method was declined; ask the consumer for another one',
      isRetryable: false,
    },
    SoftDeclined: {
      failureType: 'PROVIDER_DECLINE',
      failureCode: 'soft_declined',
      providerFailureCode: 'SoftDeclined',
      failureMessage: 'The payment was declined for now; it may succeed if retried',
      isRetryable: true,
    },
    AmazonRejected: {
      failureType: 'PROVIDER_DECLINE',
      failureCode: 'provider_rejected',
      providerFailureCode: 'AmazonRejected',
      failureMessage: 'Amazon Pay rejected the payment',
      isRetryable: false,
    },
    ProcessingFailure: {
      failureType: 'PROVIDER_ERROR',
      failureCode: 'processing_failure',
      providerFailureCode: 'ProcessingFailure',
      failureMessage: 'Amazon Pay could not process the payment',
      isRetryable: true,
    },
    TransactionTimedOut: {
      failureType: 'PROVIDER_ERROR',
      failureCode: 'transaction_timed_out',
      providerFailureCode: 'TransactionTimedOut',
      failureMessage: 'Amazon Pay did not answer in time',
      isRetryable: true,
    },
  });

export const CONSUMER_CANCELED: ChargeFailure = SIMULATED_FAILURES.BuyerCanceled;

/** What a refund simulation code does: `RefundDeclined` declines the refund with this failure (`RefundDelayed` delays it). */
export const SIMULATED_REFUND_FAILURES: Readonly<
  Record<Exclude<RefundSimulationCode, 'RefundDelayed'>, ChargeFailure>
> = Object.freeze({
  RefundDeclined: {
    failureType: 'PROVIDER_DECLINE',
    failureCode: 'refund_declined',
    providerFailureCode: 'RefundDeclined',
    failureMessage: 'Amazon Pay declined the refund',
    isRetryable: false,
  },
});
