/**
 * The payment agreement aggregate (seed 001 "Recurring Payments"): the consumer's consent, given once through the
 * provider's page, to be charged later without them. `decide` enforces the rules: status transitions, the agreed
 * amount (EXACT / MAX / VARIABLE), the method's capability table, the end date. The events, their contracts and the
 * fold (`evolve`, the state, the API resource) are public, in @payment-ledger/contracts; stored events are checked
 * and upcast on every read (`upcastAgreementEvent`).
 */
import {
  AGREEMENT_EVENT_SCHEMA_VERSIONS,
  type AgreementCharge,
  type AgreementDetails,
  type AgreementEvent,
  agreementExists,
  type AgreementState,
  type ChargeFailure,
  checkAmount,
  evolveAgreement,
  type ExistingAgreement,
  initialAgreementState,
  isAcceptableReturnUrl,
  type Money,
  newId,
  PAYMENT_METHOD_CAPABILITIES,
  upcastAgreementEvent,
} from '@payment-ledger/contracts';
import type { Decider } from '@payment-ledger/domain-kernel';
import type { AgreementCommand, CreateAgreement, RequestAgreementCharge } from './agreement-commands';
import { AgreementRequestRejected, InvalidAgreementStatus } from './agreement-errors';

/** The state and its fold are the public agreement model (libs/contracts/src/models/agreement.model.ts). */
export type { AgreementCharge, AgreementDetails, AgreementState, ExistingAgreement };
export const initialState = initialAgreementState;
export const evolve = evolveAgreement;
export const exists = agreementExists;

const MINUTE = 60_000;

const AUTHENTICATION_TIMEOUT_FAILURE: ChargeFailure = {
  failureType: 'INTERNAL_DECLINE',
  failureCode: 'authentication_timed_out',
  providerFailureCode: null,
  failureMessage: 'The consumer did not complete the agreement in time',
  isRetryable: true,
};

export function decide(command: AgreementCommand, state: AgreementState, now: Date): AgreementEvent[] {
  const at = now.toISOString();
  const historyId = newId('agreementHistory', now.getTime());
  if (command.type === 'CreateAgreement') return decideCreate(command, state, now);
  if (!exists(state)) throw new InvalidAgreementStatus('NEW', 'act on');
  switch (command.type) {
    case 'ApproveAgreement':
      if (state.status !== 'AUTHENTICATION_PENDING') throw new InvalidAgreementStatus(state.status, 'approve');
      if (now.getTime() >= Date.parse(state.authenticationExpiresAt)) {
        return [
          {
            type: 'AgreementAuthenticationFailed',
            data: { historyId, at, reason: 'TIMED_OUT', failure: AUTHENTICATION_TIMEOUT_FAILURE },
          },
        ];
      }
      return [
        { type: 'AgreementActivated', data: { historyId, at } },
        ...(state.initialPaymentCharge
          ? [
              {
                type: 'AgreementChargeRequested' as const,
                data: {
                  at,
                  chargeId: state.initialPaymentCharge.chargeId,
                  amount: state.initialPaymentCharge.amount,
                  initiator: 'INITIAL' as const,
                  simulationCode: state.simulationCode,
                  merchantPaymentChargeReference: null,
                },
              },
            ]
          : []),
      ];
    case 'CancelAgreementAuthentication':
      if (state.status !== 'AUTHENTICATION_PENDING') throw new InvalidAgreementStatus(state.status, 'cancel');
      return [
        {
          type: 'AgreementAuthenticationFailed',
          data: { historyId, at, reason: 'CONSUMER_CANCELED', failure: command.failure },
        },
      ];
    case 'RevokeAgreement':
      if (!['ACTIVE', 'PAST_DUE', 'AUTHENTICATION_PENDING'].includes(state.status)) {
        throw new InvalidAgreementStatus(state.status, 'revoke');
      }
      return [{ type: 'AgreementRevoked', data: { historyId, at, revokedBy: command.revokedBy } }];
    case 'RequestAgreementCharge':
      return decideCharge(command, state, now);
    case 'RecordAgreementChargeOutcome': {
      const charge = state.charges.find((c) => c.chargeId === command.chargeId);
      if (!charge || charge.outcome !== null) return [];
      return [
        {
          type: 'AgreementChargeSettled',
          data: { at, chargeId: command.chargeId, status: command.status, failure: command.failure },
        },
      ];
    }
    case 'MarkAgreementPastDue':
      if (state.status !== 'ACTIVE') return [];
      return [
        {
          type: 'AgreementMarkedPastDue',
          data: { historyId, at, chargeId: command.chargeId, failure: command.failure },
        },
      ];
  }
}

/** The amount a charge under this agreement may take, or the rule it breaks. */
export function checkAgreementAmount(
  agreement: Pick<AgreementDetails, 'amount' | 'amountType' | 'paymentMethod'>,
  requested: Money | null,
): Money {
  const amount = requested ?? agreement.amount;
  if (!amount) {
    throw new AgreementRequestRejected('missing_field', 'amount is required for a VARIABLE agreement', 'amount');
  }
  if (!Number.isSafeInteger(amount.value) || amount.value < 1) {
    throw new AgreementRequestRejected(
      'invalid_amount',
      'amount must be a positive integer of minor units',
      'amount.value',
    );
  }
  const violation = checkAmount(agreement.paymentMethod, amount);
  if (violation) {
    throw new AgreementRequestRejected(
      violation,
      `amount breaks the ${agreement.paymentMethod} rule ${violation}`,
      violation === 'currency_not_supported' ? 'amount.currency' : 'amount.value',
    );
  }
  const agreed = agreement.amount;
  if (agreed && amount.currency !== agreed.currency) {
    throw new AgreementRequestRejected(
      'currency_mismatch',
      `the agreement is in ${agreed.currency}`,
      'amount.currency',
    );
  }
  if (agreed && agreement.amountType === 'EXACT' && amount.value !== agreed.value) {
    throw new AgreementRequestRejected(
      'amount_must_equal_agreed_amount',
      `the agreed amount is ${agreed.value}`,
      'amount.value',
    );
  }
  if (agreed && agreement.amountType === 'MAX' && amount.value > agreed.value) {
    throw new AgreementRequestRejected(
      'amount_exceeds_agreed_maximum',
      `the agreed maximum is ${agreed.value}`,
      'amount.value',
    );
  }
  return amount;
}

function decideCharge(command: RequestAgreementCharge, state: ExistingAgreement, now: Date): AgreementEvent[] {
  // The same charge id asked twice (a retry) is one charge.
  if (state.charges.some((c) => c.chargeId === command.chargeId)) return [];
  if (state.status !== 'ACTIVE') throw new InvalidAgreementStatus(state.status, 'charge');
  if (state.endDate && now.getTime() > Date.parse(state.endDate)) {
    throw new AgreementRequestRejected('agreement_ended', `the agreement ended at ${state.endDate}`);
  }
  const amount = checkAgreementAmount(state, command.amount);
  return [
    {
      type: 'AgreementChargeRequested',
      data: {
        at: now.toISOString(),
        chargeId: command.chargeId,
        amount,
        initiator: command.initiator,
        simulationCode: command.simulationCode,
        merchantPaymentChargeReference: command.merchantPaymentChargeReference,
      },
    },
  ];
}

function decideCreate(command: CreateAgreement, state: AgreementState, now: Date): AgreementEvent[] {
  if (exists(state)) return [];
  const capabilities = PAYMENT_METHOD_CAPABILITIES[command.paymentMethod];
  if (!capabilities?.recurring) {
    throw new AgreementRequestRejected(
      'recurring_not_supported',
      'the payment method has no recurring payments',
      'paymentMethod',
    );
  }
  const start = Date.parse(command.startDate);
  if (Number.isNaN(start))
    throw new AgreementRequestRejected('invalid_start_date', 'startDate must be an ISO 8601 date-time', 'startDate');
  if (command.endDate !== null) {
    const end = Date.parse(command.endDate);
    if (Number.isNaN(end))
      throw new AgreementRequestRejected('invalid_end_date', 'endDate must be an ISO 8601 date-time', 'endDate');
    if (end <= start)
      throw new AgreementRequestRejected('end_before_start', 'endDate must be after startDate', 'endDate');
  }
  if (command.amountType !== 'VARIABLE' && command.amount === null) {
    throw new AgreementRequestRejected('missing_field', `an ${command.amountType} agreement needs an amount`, 'amount');
  }
  if (command.amount) checkAgreementAmount({ ...command, amountType: 'VARIABLE' }, command.amount);
  if (command.frequency && command.amount === null) {
    throw new AgreementRequestRejected('missing_field', 'a scheduled agreement needs an amount to charge', 'amount');
  }
  if (command.initialPaymentCharge) {
    try {
      checkAgreementAmount(command, command.initialPaymentCharge.amount);
    } catch (error) {
      if (error instanceof AgreementRequestRejected) {
        throw new AgreementRequestRejected(
          error.code,
          error.message,
          `initialPaymentCharge.${error.field ?? 'amount'}`,
        );
      }
      throw error;
    }
  }
  if (command.simulationCode !== null && command.merchant.mode !== 'SANDBOX') {
    throw new AgreementRequestRejected(
      'simulation_not_allowed',
      'simulation codes are accepted only in sandbox',
      'sandbox',
    );
  }
  if (!isAcceptableReturnUrl(command.returnUrl, command.merchant.mode)) {
    throw new AgreementRequestRejected(
      'invalid_return_url',
      'returnUrl must be an https URL (http only to localhost, in sandbox)',
      'authenticationSettings[0].settings.returnUrl',
    );
  }
  return [
    {
      type: 'AgreementCreated',
      data: {
        historyId: newId('agreementHistory', now.getTime()),
        at: now.toISOString(),
        agreementId: command.agreementId,
        merchant: { id: command.merchant.id, name: command.merchant.name, mode: command.merchant.mode },
        paymentMethod: command.paymentMethod,
        consumer: command.consumer,
        startDate: new Date(start).toISOString(),
        startDateAsGiven: command.startDate,
        endDate: command.endDate === null ? null : new Date(Date.parse(command.endDate)).toISOString(),
        description: command.description,
        frequency: command.frequency,
        amount: command.amount,
        amountType: command.amountType,
        instrumentId: command.instrumentId,
        returnUrl: command.returnUrl,
        merchantPaymentAgreementReference: command.merchantPaymentAgreementReference,
        webhooksUrl: command.webhooksUrl,
        simulationCode: command.simulationCode,
        authentication: command.authentication,
        authenticationExpiresAt: new Date(
          now.getTime() + capabilities.authenticationTimeoutMinutes * MINUTE,
        ).toISOString(),
        initialPaymentCharge: command.initialPaymentCharge,
      },
    },
  ];
}

export const agreementDecider: Decider<AgreementCommand, AgreementEvent, AgreementState> = {
  initialState,
  evolve,
  decide,
  schemaVersions: AGREEMENT_EVENT_SCHEMA_VERSIONS,
  upcast: upcastAgreementEvent,
};

export const agreementStreamId = (agreementId: string): string => `agreement:${agreementId}`;
