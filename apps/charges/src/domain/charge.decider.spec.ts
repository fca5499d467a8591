import fc from 'fast-check';
import {
  type CaptureMethod,
  type ChargeFailure,
  type ChargeStatus,
  money,
  type PaymentMethodType,
  type RefundEvent,
  SIMULATION_CODES,
  type SimulationCode,
  type VoidReason,
} from '@payment-ledger/contracts';
import { isAcceptableReturnUrl } from '@payment-ledger/contracts';
import { DomainError, fold } from '@payment-ledger/domain-kernel';
import { handleCommand, InMemoryEventStore, type OutsideCalls, runPendingCalls } from '@payment-ledger/event-store';
import {
  AmazonPaySandboxProvider,
  InMemorySandboxProviderRecords,
  SIMULATED_FAILURES,
} from '@payment-ledger/payment-methods';
import type {
  AuthorizationOutcome,
  CaptureCharge,
  ChargeCommand,
  CreateCharge,
  CreateMerchantInitiatedCharge,
  ExpireAuthentication,
  ProviderResult,
  RecordAuthorizationOutcome,
  RecordCaptureOutcome,
  RecordConsumerApproval,
  RecordConsumerCancellation,
  RecordRefundProgress,
  RecordVoidOutcome,
  VoidCharge,
} from './charge-commands';
import {
  AmountExceedsAuthorized,
  AuthorizationExpired,
  ChargeRequestRejected,
  InvalidChargeStatus,
  NothingToCapture,
} from './charge-errors';
import { CHARGE_EVENT_SCHEMA_VERSIONS, type ChargeEvent, type ChargeEventType } from '@payment-ledger/contracts';
import { toPaymentChargeResource } from '@payment-ledger/contracts';
import { type ChargeProviderCall, pendingProviderCalls } from './charge-provider-calls';
import { commandDeadlines, logDeadlines, PROVIDER_RETRY_AFTER_MS } from './charge-deadlines';
import {
  authorizedAmount,
  capturedAmount,
  chargeDecider,
  type ChargeState,
  chargeStreamId,
  decide,
  evolve,
  type ExistingCharge,
  exists,
  initialState,
  openAmount,
  refundStepsRecorded,
  voidedAmount,
} from './charge.decider';

// ---------------------------------------------------------------------------------------------------------------
// Fixed clock and builders
// ---------------------------------------------------------------------------------------------------------------

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const T0 = new Date('2026-03-02T09:00:00.000Z');
const after = (ms: number, from: Date = T0): Date => new Date(from.getTime() + ms);
const iso = (date: Date): string => date.toISOString();

/** The consumer has 10 minutes to finish the redirect (capability table). */
const AUTHENTICATION_DEADLINE = after(10 * MINUTE);
/** Every fixture approves one minute after creation; the capture window is 7 days from then. */
const APPROVED_AT = after(MINUTE);
const CAPTURE_DEADLINE = after(7 * DAY, APPROVED_AT);

const HISTORY_ID = /^hist_[0-9a-f]{32}$/;

function createCharge(overrides: Partial<CreateCharge> = {}): CreateCharge {
  return {
    type: 'CreateCharge',
    chargeId: 'charge_1',
    merchant: { id: 'mch_1', name: 'Acme', mode: 'SANDBOX' },
    paymentMethod: 'AMAZON_PAY',
    amount: money(1000, 'USD'),
    consumer: { name: 'John Smith', country: 'US' },
    captureMethod: 'AUTOMATIC',
    returnUrl: 'https://www.your-return-page.com/',
    webhooksUrl: null,
    merchantPaymentChargeReference: null,
    simulationCode: null,
    authentication: { type: 'REDIRECT', requestUrl: 'https://sandbox.test/x', requestMethod: 'GET' },
    ...overrides,
  };
}

const DECLINED_FAILURE: ChargeFailure = {
  failureType: 'PROVIDER_DECLINE',
  failureCode: 'declined',
  providerFailureCode: 'Declined',
  failureMessage: 'Amazon Pay declined the payment',
  isRetryable: false,
};
const CANCELED_FAILURE: ChargeFailure = {
  failureType: 'PROVIDER_DECLINE',
  failureCode: 'consumer_canceled',
  providerFailureCode: 'BuyerCanceled',
  failureMessage: 'The consumer canceled the payment on the Amazon Pay page',
  isRetryable: true,
};

/** The provider authorized; `capture` is the capture made in the same call (automatic capture), if any. */
const authorizedOutcome = (
  providerReference = 'S01-AUTH-1',
  capture: ProviderResult | null = null,
): AuthorizationOutcome => ({ status: 'AUTHORIZED', providerReference, capture });
const pendingOutcome = (checkAfter: Date, providerReference = 'S01-AUTH-1'): AuthorizationOutcome => ({
  status: 'PENDING',
  providerReference,
  checkAfter: iso(checkAfter),
});
const declinedOutcome = (failure: ChargeFailure = DECLINED_FAILURE): AuthorizationOutcome => ({
  status: 'DECLINED',
  failure,
});

const AUTHORIZATION_ID = 'auth_1';
/** The id of the capture asked for together with the authorization (automatic capture). */
const AUTO_CAPTURE_ID = 'cap_auto';
/** The provider's answer to the automatic capture that accompanies an authorization. */
const AUTO_CAPTURE: ProviderResult = { providerReference: 'S01-C-auto' };

/** The outcome with the capture made in the same call added (only an AUTHORIZED answer carries one). */
function withCapture(outcome: AuthorizationOutcome, capture?: ProviderResult): AuthorizationOutcome {
  return outcome.status === 'AUTHORIZED' && capture ? { ...outcome, capture } : outcome;
}

/** Commands run in order at one instant (an intent and the answer the command loop records right after it). */
type Commands = ChargeCommand | ChargeCommand[];
const inOrder = (commands: Commands): ChargeCommand[] => (Array.isArray(commands) ? commands : [commands]);

/** The consumer approved: the intent to authorize (and, for automatic capture, to capture in the same call). */
const approval = (authorizationId = AUTHORIZATION_ID, captureId = AUTO_CAPTURE_ID): RecordConsumerApproval => ({
  type: 'RecordConsumerApproval',
  authorizationId,
  captureId,
});
/** The provider's answer to an authorization, as the command loop records it. */
const authorizationAnswer = (
  outcome: AuthorizationOutcome,
  authorizationId = AUTHORIZATION_ID,
): RecordAuthorizationOutcome => ({ type: 'RecordAuthorizationOutcome', authorizationId, outcome });
/** The consumer approves and the provider answers: the approval, then the recorded outcome. */
function approve(authorization: AuthorizationOutcome = authorizedOutcome(), capture?: ProviderResult): ChargeCommand[] {
  return [approval(), authorizationAnswer(withCapture(authorization, capture))];
}
const cancel = (failure: ChargeFailure = CANCELED_FAILURE): RecordConsumerCancellation => ({
  type: 'RecordConsumerCancellation',
  failure,
});
const expireAuthentication: ExpireAuthentication = { type: 'ExpireAuthentication' };
/** A pending (async) authorization settles: the provider's later answer, recorded for the same authorization. */
function resolve(authorization: AuthorizationOutcome, capture?: ProviderResult): RecordAuthorizationOutcome {
  return authorizationAnswer(withCapture(authorization, capture));
}
const requestCapture = (amount: number | null, captureId = `cap_${amount}`): CaptureCharge => ({
  type: 'CaptureCharge',
  captureId,
  amount,
});
const captureAnswer = (captureId: string, providerReference = `S01-C-${captureId}`): RecordCaptureOutcome => ({
  type: 'RecordCaptureOutcome',
  captureId,
  result: { providerReference },
});
/** A merchant's capture and the provider's answer to it. */
const captureCharge = (amount: number, captureId = `cap_${amount}`): ChargeCommand[] => [
  requestCapture(amount, captureId),
  captureAnswer(captureId),
];
const requestVoid = (reason: VoidReason = 'MERCHANT_REQUESTED', voidId = 'void_1'): VoidCharge => ({
  type: 'VoidCharge',
  voidId,
  reason,
});
const voidAnswer = (voidId: string, providerReference = `S01-V-${voidId}`): RecordVoidOutcome => ({
  type: 'RecordVoidOutcome',
  voidId,
  result: { providerReference },
});
const REFUSED: ChargeFailure = {
  failureType: 'PROVIDER_DECLINE',
  failureCode: 'capture_refused',
  providerFailureCode: 'authorization_canceled',
  failureMessage: 'the authorization was canceled at the provider',
  isRetryable: false,
};
const captureRefusal = (captureId: string, failure: ChargeFailure = REFUSED): ChargeCommand => ({
  type: 'RecordCaptureRefusal',
  captureId,
  failure,
});
const voidRefusal = (voidId: string, failure: ChargeFailure = REFUSED): ChargeCommand => ({
  type: 'RecordVoidRefusal',
  voidId,
  failure,
});
/** A void (the merchant's, or the capture-window timer's) and the provider's answer to it. */
const voidCharge = (reason: VoidReason = 'MERCHANT_REQUESTED', voidId = 'void_1'): ChargeCommand[] => [
  requestVoid(reason, voidId),
  voidAnswer(voidId),
];

// ---------------------------------------------------------------------------------------------------------------
// Running commands
// ---------------------------------------------------------------------------------------------------------------

interface Run {
  state: ChargeState;
  /** Every event emitted so far, in order: the charge's stream. */
  events: ChargeEvent[];
}
const START: Run = { state: initialState, events: [] };

/** Decides each command at its instant and folds its events in, as the command loop does. */
function given(steps: Array<[Commands, Date]>, start: Run = START): Run {
  return steps.reduce<Run>(
    (run, [commands, now]) =>
      inOrder(commands).reduce<Run>(({ state, events }, command) => {
        const emitted = decide(command, state, now);
        return { state: emitted.reduce(evolve, state), events: [...events, ...emitted] };
      }, run),
    start,
  );
}

/** Commands on top of a run: their new events and the state after them. */
function when(run: Run, commands: Commands, now: Date): { events: ChargeEvent[]; state: ChargeState } {
  const next = given([[commands, now]], { state: run.state, events: [] });
  return { events: next.events, state: next.state };
}

/** The events of commands decided in turn on `state` (each on the state the previous one left). */
function decideAll(commands: Commands, state: ChargeState, now: Date): ChargeEvent[] {
  return when({ state, events: [] }, commands, now).events;
}

function charge(state: ChargeState): ExistingCharge {
  if (!exists(state)) throw new Error('expected an existing charge, got NEW');
  return state;
}

/** The DomainError a command is refused with; fails the test when the command is accepted or throws anything else. */
function refusal(act: () => unknown): DomainError {
  try {
    act();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the command to be refused with a DomainError, but it was accepted');
}

const types = (events: ChargeEvent[]): ChargeEventType[] => events.map((e) => e.type);
const statuses = (state: ChargeState): ChargeStatus[] => charge(state).history.map((h) => h.status);

const created = (overrides: Partial<CreateCharge> = {}): Run => given([[createCharge(overrides), T0]]);
const manualAuthorized = (amount = 1000): Run =>
  given([
    [createCharge({ captureMethod: 'MANUAL', amount: money(amount, 'USD') }), T0],
    [approve(authorizedOutcome()), APPROVED_AT],
  ]);
const automaticCaptured = (): Run => given([[approve(authorizedOutcome(), AUTO_CAPTURE), APPROVED_AT]], created());
const awaitingAsync = (captureMethod: CaptureMethod = 'AUTOMATIC'): Run =>
  given([[approve(pendingOutcome(after(30_000, APPROVED_AT))), APPROVED_AT]], created({ captureMethod }));
/** A charge under an agreement: created with the intent to authorize and capture at once. */
const merchantInitiated = (overrides: Partial<CreateMerchantInitiatedCharge> = {}): CreateMerchantInitiatedCharge => ({
  type: 'CreateMerchantInitiatedCharge',
  chargeId: 'charge_mit',
  merchant: { id: 'mch_1', name: 'Acme', mode: 'SANDBOX' },
  paymentMethod: 'AMAZON_PAY',
  amount: { value: 8000, currency: 'USD' },
  consumer: { name: 'John Smith', country: 'US' },
  agreementId: 'agr_1',
  instrumentId: 'instr_1',
  webhooksUrl: null,
  merchantPaymentChargeReference: null,
  simulationCode: null,
  authorizationId: 'auth_1',
  captureId: 'cap_1',
  ...overrides,
});
/** The consumer approved and the provider has not answered yet. */
const authorizing = (captureMethod: CaptureMethod = 'AUTOMATIC'): Run =>
  given([[approval(), APPROVED_AT]], created({ captureMethod }));

/** A MANUAL charge of 1000 with 400 captured (600 still open). */
const partlyCaptured = (): Run => given([[captureCharge(400), after(90_000)]], manualAuthorized());

/** The refunds service's events on the charge's `refund` stream, as the charges service consumes them. */
const REFUND_AT = '2026-03-05T10:00:00.000Z';
const progress = (event: RefundEvent): RecordRefundProgress => ({ type: 'RecordRefundProgress', events: [event] });
/** Several refund steps as one command, as the consumer records the steps of one charge in a batch. */
const progressOf = (commands: RecordRefundProgress[]): RecordRefundProgress => ({
  type: 'RecordRefundProgress',
  events: commands.flatMap((c) => c.events),
});
/** Events or states with their history ids (new at each decision) left out, to compare two runs. */
const withoutHistoryIds = <T>(value: T): T =>
  JSON.parse(JSON.stringify(value).replace(/"hist_[0-9a-f]{32}"/g, '"hist"'));
const refundRequested = (refundId: string, amount: number): RecordRefundProgress =>
  progress({
    type: 'RefundRequested',
    data: {
      at: REFUND_AT,
      refundId,
      chargeId: 'charge_1',
      merchantId: 'mch_1',
      paymentMethod: 'AMAZON_PAY',
      amount: money(amount, 'USD'),
      reason: null,
      merchantRefundReference: null,
      simulationCode: null,
    },
  });
/** The provider settles the refund later (`amount` is the refund's; the charge takes it from its own record). */
const refundPendingAtProvider = (refundId: string, amount = 0): RecordRefundProgress =>
  progress({
    type: 'RefundPending',
    data: { at: REFUND_AT, refundId, amount, providerReference: `S01-R-${refundId}`, checkAfter: REFUND_AT },
  });
const refundSucceeded = (refundId: string, amount = 0): RecordRefundProgress =>
  progress({
    type: 'RefundSucceeded',
    data: { at: REFUND_AT, refundId, amount, providerReference: `S01-R-${refundId}` },
  });
const REFUND_DECLINED: ChargeFailure = {
  failureType: 'PROVIDER_DECLINE',
  failureCode: 'refund_declined',
  providerFailureCode: 'RefundDeclined',
  failureMessage: 'Amazon Pay declined the refund',
  isRetryable: false,
};
const refundFailed = (refundId: string, amount = 0): RecordRefundProgress =>
  progress({ type: 'RefundFailed', data: { at: REFUND_AT, refundId, amount, failure: REFUND_DECLINED } });
const chargebackOpened = (
  chargebackId: string,
  amount: number,
  reason = 'product not received',
): RecordRefundProgress =>
  progress({
    type: 'ChargebackOpened',
    data: {
      at: REFUND_AT,
      chargebackId,
      chargeId: 'charge_1',
      merchantId: 'mch_1',
      amount: money(amount, 'USD'),
      reason,
    },
  });
const chargebackResolved = (chargebackId: string, outcome: 'WON' | 'LOST', amount = 0): RecordRefundProgress =>
  progress({ type: 'ChargebackResolved', data: { at: REFUND_AT, chargebackId, amount, outcome } });

// ---------------------------------------------------------------------------------------------------------------
// CreateCharge
// ---------------------------------------------------------------------------------------------------------------

describe('CreateCharge', () => {
  it('creates a charge waiting for the consumer: AUTHENTICATION_PENDING, one history entry, a 10-minute deadline', () => {
    const events = decide(createCharge(), initialState, T0);

    expect(types(events)).toEqual(['ChargeCreated']);
    const state = charge(events.reduce(evolve, initialState));
    expect(state).toEqual({
      status: 'AUTHENTICATION_PENDING',
      id: 'charge_1',
      merchant: { id: 'mch_1', name: 'Acme' },
      paymentMethod: 'AMAZON_PAY',
      amount: { value: 1000, currency: 'USD' },
      consumer: { name: 'John Smith', country: 'US' },
      captureMethod: 'AUTOMATIC',
      initiator: 'CONSUMER',
      agreementId: null,
      instrumentId: null,
      returnUrl: 'https://www.your-return-page.com/',
      webhooksUrl: null,
      merchantPaymentChargeReference: null,
      simulationCode: null,
      authentication: { type: 'REDIRECT', requestUrl: 'https://sandbox.test/x', requestMethod: 'GET' },
      authenticationExpiresAt: '2026-03-02T09:10:00.000Z',
      captureExpiresAt: null,
      checkAuthorizationAfter: null,
      authorizations: [],
      captures: [],
      voids: [],
      refunds: [],
      chargebacks: [],
      history: [{ id: expect.stringMatching(HISTORY_ID), status: 'AUTHENTICATION_PENDING', createdAt: iso(T0) }],
      failure: null,
      createdAt: iso(T0),
      updatedAt: iso(T0),
    });
  });

  it('writes the event payload with the history id it adds and the deadline now + 10 minutes', () => {
    const [event] = decide(createCharge(), initialState, T0);
    expect(event).toMatchObject({
      type: 'ChargeCreated',
      data: {
        historyId: expect.stringMatching(HISTORY_ID),
        at: iso(T0),
        chargeId: 'charge_1',
        merchant: { id: 'mch_1', name: 'Acme' },
        authenticationExpiresAt: iso(AUTHENTICATION_DEADLINE),
      },
    });
    // The merchant's mode decides what is allowed; it is not part of the charge.
    if (event.type !== 'ChargeCreated') throw new Error('expected ChargeCreated');
    expect(event.data.merchant).not.toHaveProperty('mode');
    expect(charge(evolve(initialState, event)).history[0].id).toBe(event.data.historyId);
  });

  it('keeps the optional fields it is given (webhooks URL, merchant reference, simulation code, MANUAL capture)', () => {
    const state = charge(
      created({
        captureMethod: 'MANUAL',
        webhooksUrl: 'https://merchant.test/webhooks',
        merchantPaymentChargeReference: 'order-42',
        simulationCode: 'SoftDeclined',
      }).state,
    );
    expect(state).toMatchObject({
      captureMethod: 'MANUAL',
      webhooksUrl: 'https://merchant.test/webhooks',
      merchantPaymentChargeReference: 'order-42',
      simulationCode: 'SoftDeclined',
    });
  });

  it('is idempotent: creating a charge that exists (a retried request) returns no events', () => {
    const run = created();
    expect(decide(createCharge(), run.state, after(MINUTE))).toEqual([]);
    // Even a retry carrying different details does not change the charge.
    expect(decide(createCharge({ amount: money(5000, 'USD') }), run.state, after(MINUTE))).toEqual([]);
    const failed = given([[cancel(), after(MINUTE)]], run);
    expect(decide(createCharge(), failed.state, after(2 * MINUTE))).toEqual([]);
  });

  const REJECTIONS: Array<[string, Partial<CreateCharge>, string, string]> = [
    [
      'a currency the method does not accept (EUR)',
      { amount: money(1000, 'EUR') },
      'currency_not_supported',
      'amount.currency',
    ],
    ['49 minor units (below the 50 minimum)', { amount: money(49, 'USD') }, 'amount_too_small', 'amount.value'],
    ['0 minor units', { amount: money(0, 'USD') }, 'amount_too_small', 'amount.value'],
    [
      '2_000_001 minor units (above the maximum)',
      { amount: money(2_000_001, 'USD') },
      'amount_too_large',
      'amount.value',
    ],
    [
      'an http return URL to another host (http://example.com)',
      { returnUrl: 'http://example.com' },
      'invalid_return_url',
      'authenticationSettings[0].settings.returnUrl',
    ],
    [
      'an http URL that only starts like localhost (http://localhost.example.com)',
      { returnUrl: 'http://localhost.example.com/return' },
      'invalid_return_url',
      'authenticationSettings[0].settings.returnUrl',
    ],
    [
      'a return URL that is not a URL',
      { returnUrl: 'www.your-return-page.com' },
      'invalid_return_url',
      'authenticationSettings[0].settings.returnUrl',
    ],
    [
      'a return URL of another scheme (ftp)',
      { returnUrl: 'ftp://files.example.com/' },
      'invalid_return_url',
      'authenticationSettings[0].settings.returnUrl',
    ],
    [
      'http://localhost for a LIVE merchant',
      { returnUrl: 'http://localhost:3000/return', merchant: { id: 'mch_1', name: 'Acme', mode: 'LIVE' } },
      'invalid_return_url',
      'authenticationSettings[0].settings.returnUrl',
    ],
    [
      'http://127.0.0.1 for a LIVE merchant',
      { returnUrl: 'http://127.0.0.1:8080/done', merchant: { id: 'mch_1', name: 'Acme', mode: 'LIVE' } },
      'invalid_return_url',
      'authenticationSettings[0].settings.returnUrl',
    ],
    [
      'a simulation code from a LIVE merchant',
      { simulationCode: 'Declined', merchant: { id: 'mch_1', name: 'Acme', mode: 'LIVE' } },
      'simulation_not_allowed',
      'sandbox',
    ],
    [
      'a payment method that is not in the capability table',
      { paymentMethod: 'PAYPAL' as PaymentMethodType },
      'payment_method_not_supported',
      'paymentMethod',
    ],
  ];
  it.each(REJECTIONS.map(([description, overrides, code, field]) => [description, code, field, overrides] as const))(
    'refuses %s: ChargeRequestRejected %s (kind invalid, field %s)',
    (_description, code, field, overrides) => {
      const error = refusal(() => decide(createCharge(overrides), initialState, T0));
      expect(error).toBeInstanceOf(ChargeRequestRejected);
      expect(error).toMatchObject({ name: 'ChargeRequestRejected', code, kind: 'invalid', field });
      expect(error.message).not.toHaveLength(0);
      // Refusals say nothing about transports: the gateway maps the kind to an HTTP status.
      expect(error).not.toHaveProperty('status');
    },
  );

  it('names the rule in the refusal message (accepted currencies, minimum, maximum)', () => {
    expect(refusal(() => decide(createCharge({ amount: money(1000, 'EUR') }), initialState, T0)).message).toContain(
      'USD',
    );
    expect(refusal(() => decide(createCharge({ amount: money(49, 'USD') }), initialState, T0)).message).toContain('50');
    expect(
      refusal(() => decide(createCharge({ amount: money(2_000_001, 'USD') }), initialState, T0)).message,
    ).toContain('2000000');
  });

  it.each([50, 2_000_000])('accepts the inclusive bound %d minor units', (value) => {
    const events = decide(createCharge({ amount: money(value, 'USD') }), initialState, T0);
    expect(types(events)).toEqual(['ChargeCreated']);
    expect(charge(events.reduce(evolve, initialState)).amount).toEqual({ value, currency: 'USD' });
  });

  it.each(['http://localhost', 'http://localhost:3000/return', 'http://127.0.0.1:8080/done', 'http://[::1]:4000/'])(
    'allows the local http return URL %s for a SANDBOX merchant',
    (returnUrl) => {
      expect(types(decide(createCharge({ returnUrl }), initialState, T0))).toEqual(['ChargeCreated']);
    },
  );

  it('accepts an https return URL and no simulation code from a LIVE merchant', () => {
    const live = createCharge({ merchant: { id: 'mch_1', name: 'Acme', mode: 'LIVE' } });
    expect(types(decide(live, initialState, T0))).toEqual(['ChargeCreated']);
  });

  it.each(SIMULATION_CODES)('accepts the simulation code %s from a SANDBOX merchant and keeps it', (simulationCode) => {
    expect(charge(created({ simulationCode }).state).simulationCode).toBe(simulationCode);
  });

  // Regression: CreateCharge once checked only the bounds, so 1000.5 and NaN became authorized and captured amounts.
  it.each([1000.5, Number.NaN])('refuses a charge amount that is not an integer of minor units (%d)', (value) => {
    const error = refusal(() => decide(createCharge({ amount: { value, currency: 'USD' } }), initialState, T0));
    expect(error).toBeInstanceOf(ChargeRequestRejected);
    expect(error).toMatchObject({ kind: 'invalid', code: 'invalid_amount', field: 'amount.value' });
  });
});

describe('isAcceptableReturnUrl', () => {
  it.each<[string, 'SANDBOX' | 'LIVE', boolean]>([
    ['https://www.your-return-page.com/', 'LIVE', true],
    ['https://localhost/return', 'LIVE', true],
    ['http://localhost/return', 'SANDBOX', true],
    ['http://localhost/return', 'LIVE', false],
    ['http://127.0.0.1/return', 'SANDBOX', true],
    ['http://127.0.0.1/return', 'LIVE', false],
    ['http://[::1]/return', 'SANDBOX', true],
    ['http://example.com', 'SANDBOX', false],
    ['http://127.0.0.2/return', 'SANDBOX', false],
    ['javascript:alert(1)', 'SANDBOX', false],
    ['', 'SANDBOX', false],
  ])('%p for a %s merchant → %s', (url, mode, acceptable) => {
    expect(isAcceptableReturnUrl(url, mode)).toBe(acceptable);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Legal transitions
// ---------------------------------------------------------------------------------------------------------------

describe('RecordConsumerApproval (then the authorization outcome)', () => {
  it('authorizes and captures an AUTOMATIC charge: AUTHENTICATION_PENDING → … → CAPTURED', () => {
    const { events, state } = when(created(), approve(authorizedOutcome('S01-AUTH-1'), AUTO_CAPTURE), APPROVED_AT);

    expect(types(events)).toEqual([
      'ChargeAuthenticationCompleted',
      'ChargeAuthorizationRequested',
      'ChargeAuthorized',
      'ChargeCaptured',
    ]);
    expect(events[1].data).toMatchObject({
      authorizationId: 'auth_1',
      amount: 1000,
      captureNow: { captureId: 'cap_auto' },
    });
    expect(events[2].data).toMatchObject({
      authorizationId: 'auth_1',
      amount: 1000,
      providerReference: 'S01-AUTH-1',
      captureExpiresAt: iso(CAPTURE_DEADLINE),
    });
    expect(events[3].data).toMatchObject({ captureId: 'cap_auto', amount: 1000, providerReference: 'S01-C-auto' });

    const next = charge(state);
    expect(next.status).toBe('CAPTURED');
    expect(statuses(next)).toEqual([
      'AUTHENTICATION_PENDING',
      'AUTHORIZATION_PROCESSING',
      'CAPTURE_PROCESSING',
      'CAPTURED',
    ]);
    expect(next.history.slice(1).every((h) => h.createdAt === iso(APPROVED_AT))).toBe(true);
    expect(next.authorizations).toEqual([
      {
        id: 'auth_1',
        amount: 1000,
        status: 'AUTHORIZED',
        providerReference: 'S01-AUTH-1',
        captureNow: { captureId: 'cap_auto' },
        createdAt: iso(APPROVED_AT),
        updatedAt: iso(APPROVED_AT),
      },
    ]);
    expect(next.captures).toEqual([
      {
        id: 'cap_auto',
        amount: 1000,
        status: 'CAPTURED',
        providerReference: 'S01-C-auto',
        createdAt: iso(APPROVED_AT),
        updatedAt: iso(APPROVED_AT),
      },
    ]);
    expect(next.captureExpiresAt).toBe(iso(CAPTURE_DEADLINE));
    expect(next.updatedAt).toBe(iso(APPROVED_AT));
    expect(next.failure).toBeNull();
    expect(openAmount(next)).toBe(0);
    expect(pendingProviderCalls(next)).toEqual([]);
  });

  it('gives every history entry its own id', () => {
    const ids = charge(automaticCaptured().state).history.map((h) => h.id);
    expect(ids.every((id) => HISTORY_ID.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('authorizes a MANUAL charge and waits for the capture: CAPTURE_PENDING with the whole amount open', () => {
    const { events, state } = when(
      created({ captureMethod: 'MANUAL' }),
      approve(authorizedOutcome(), AUTO_CAPTURE),
      APPROVED_AT,
    );

    // A MANUAL charge asks for no capture with its authorization, and a capture in the answer is not used: the
    // merchant captures.
    expect(types(events)).toEqual([
      'ChargeAuthenticationCompleted',
      'ChargeAuthorizationRequested',
      'ChargeAuthorized',
    ]);
    expect(events[1].data).toMatchObject({ captureNow: null });
    const next = charge(state);
    expect(next.status).toBe('CAPTURE_PENDING');
    expect(statuses(next)).toEqual(['AUTHENTICATION_PENDING', 'AUTHORIZATION_PROCESSING', 'CAPTURE_PENDING']);
    expect(next.captures).toEqual([]);
    expect(next.captureExpiresAt).toBe(iso(CAPTURE_DEADLINE));
    expect(authorizedAmount(next)).toBe(1000);
    expect(openAmount(next)).toBe(1000);
    expect(pendingProviderCalls(next)).toEqual([]);
  });

  it('fails the charge on a declined authorization and records the failure', () => {
    const { events, state } = when(created(), approve(declinedOutcome()), APPROVED_AT);

    expect(types(events)).toEqual([
      'ChargeAuthenticationCompleted',
      'ChargeAuthorizationRequested',
      'ChargeAuthorizationDeclined',
    ]);
    const next = charge(state);
    expect(next.status).toBe('FAILED');
    expect(next.failure).toEqual(DECLINED_FAILURE);
    expect(statuses(next)).toEqual(['AUTHENTICATION_PENDING', 'AUTHORIZATION_PROCESSING', 'FAILED']);
    expect(next.authorizations).toEqual([
      {
        id: 'auth_1',
        amount: 1000,
        status: 'DECLINED',
        providerReference: null,
        captureNow: { captureId: 'cap_auto' },
        createdAt: iso(APPROVED_AT),
        updatedAt: iso(APPROVED_AT),
      },
    ]);
    expect(next.captures).toEqual([]);
    expect(next.captureExpiresAt).toBeNull();
    expect(authorizedAmount(next)).toBe(0);
    expect(openAmount(next)).toBe(0);
    expect(pendingProviderCalls(next)).toEqual([]);
  });

  it('waits for an asynchronous authorization: AUTHORIZATION_ASYNC with a check time', () => {
    const checkAfter = after(30_000, APPROVED_AT);
    const { events, state } = when(created(), approve(pendingOutcome(checkAfter, 'S01-P')), APPROVED_AT);

    expect(types(events)).toEqual([
      'ChargeAuthenticationCompleted',
      'ChargeAuthorizationRequested',
      'ChargeAuthorizationPending',
    ]);
    const next = charge(state);
    expect(next.status).toBe('AUTHORIZATION_ASYNC');
    expect(statuses(next)).toEqual(['AUTHENTICATION_PENDING', 'AUTHORIZATION_PROCESSING', 'AUTHORIZATION_ASYNC']);
    expect(next.checkAuthorizationAfter).toBe(iso(checkAfter));
    expect(next.authorizations).toEqual([
      {
        id: 'auth_1',
        amount: 1000,
        status: 'PENDING',
        providerReference: 'S01-P',
        captureNow: { captureId: 'cap_auto' },
        createdAt: iso(APPROVED_AT),
        updatedAt: iso(APPROVED_AT),
      },
    ]);
    expect(authorizedAmount(next)).toBe(0);
    // The provider answered: asking again is the check timer's job, not a pending call.
    expect(pendingProviderCalls(next)).toEqual([]);
  });

  it('accepts an approval 1 ms before the authentication deadline', () => {
    const { state } = when(created(), approve(authorizedOutcome(), AUTO_CAPTURE), after(-1, AUTHENTICATION_DEADLINE));
    expect(charge(state).status).toBe('CAPTURED');
  });

  it.each([
    ['at', AUTHENTICATION_DEADLINE],
    ['after', after(DAY)],
  ])('fails an approval that arrives %s the authentication deadline as timed out, asking nothing', (_when, now) => {
    const { events, state } = when(created(), approve(authorizedOutcome(), AUTO_CAPTURE), now);

    // The approval times out; the answer that follows finds no authorization waiting and records nothing.
    expect(events).toEqual([
      {
        type: 'ChargeAuthenticationFailed',
        data: {
          historyId: expect.stringMatching(HISTORY_ID),
          at: iso(now),
          reason: 'TIMED_OUT',
          failure: expect.objectContaining({ failureCode: 'authentication_timed_out' }),
        },
      },
    ]);
    const next = charge(state);
    expect(next.status).toBe('FAILED');
    expect(next.failure).toMatchObject({
      failureType: 'INTERNAL_DECLINE',
      failureCode: 'authentication_timed_out',
      providerFailureCode: null,
      isRetryable: true,
    });
    expect(next.authorizations).toEqual([]);
    expect(next.captures).toEqual([]);
    expect(pendingProviderCalls(next)).toEqual([]);
  });
});

describe('RecordAuthorizationOutcome on a pending (asynchronous) authorization', () => {
  const RESOLVED_AT = after(30_000, APPROVED_AT);

  it('captures an AUTOMATIC charge once the provider authorizes: AUTHORIZATION_ASYNC → CAPTURED', () => {
    const { events, state } = when(awaitingAsync(), resolve(authorizedOutcome('S01-P'), AUTO_CAPTURE), RESOLVED_AT);

    expect(types(events)).toEqual(['ChargeAuthorized', 'ChargeCaptured']);
    expect(events[1].data).toMatchObject({ captureId: 'cap_auto', amount: 1000, providerReference: 'S01-C-auto' });
    const next = charge(state);
    expect(next.status).toBe('CAPTURED');
    expect(statuses(next)).toEqual([
      'AUTHENTICATION_PENDING',
      'AUTHORIZATION_PROCESSING',
      'AUTHORIZATION_ASYNC',
      'CAPTURE_PROCESSING',
      'CAPTURED',
    ]);
    // The pending authorization becomes the authorized one: same id, original createdAt, its capture intent kept.
    expect(next.authorizations).toEqual([
      {
        id: 'auth_1',
        amount: 1000,
        status: 'AUTHORIZED',
        providerReference: 'S01-P',
        captureNow: { captureId: 'cap_auto' },
        createdAt: iso(APPROVED_AT),
        updatedAt: iso(RESOLVED_AT),
      },
    ]);
    expect(next.checkAuthorizationAfter).toBeNull();
    expect(next.captureExpiresAt).toBe(iso(after(7 * DAY, RESOLVED_AT)));
    expect(capturedAmount(next)).toBe(1000);
    expect(pendingProviderCalls(next)).toEqual([]);
  });

  it('asks for the capture when the settled AUTOMATIC authorization comes without one', () => {
    const { events, state } = when(awaitingAsync(), resolve(authorizedOutcome('S01-P')), RESOLVED_AT);
    expect(types(events)).toEqual(['ChargeAuthorized', 'ChargeCaptureRequested']);
    expect(events[1].data).toMatchObject({ captureId: 'cap_auto', amount: 1000 });
    expect(charge(state).status).toBe('CAPTURE_PROCESSING');
    expect(pendingProviderCalls(state)).toEqual([
      {
        kind: 'capture',
        idempotencyKey: 'cap_auto',
        captureId: 'cap_auto',
        amount: money(1000, 'USD'),
        authorizationReference: 'S01-P',
      },
    ]);
  });

  it('leaves a MANUAL charge CAPTURE_PENDING once the provider authorizes', () => {
    const { events, state } = when(awaitingAsync('MANUAL'), resolve(authorizedOutcome('S01-P')), RESOLVED_AT);
    expect(types(events)).toEqual(['ChargeAuthorized']);
    expect(charge(state).status).toBe('CAPTURE_PENDING');
    expect(openAmount(charge(state))).toBe(1000);
  });

  it('fails the charge when the provider declines the pending authorization, keeping its reference', () => {
    const { events, state } = when(awaitingAsync(), resolve(declinedOutcome()), RESOLVED_AT);

    expect(types(events)).toEqual(['ChargeAuthorizationDeclined']);
    const next = charge(state);
    expect(next.status).toBe('FAILED');
    expect(next.failure).toEqual(DECLINED_FAILURE);
    expect(next.checkAuthorizationAfter).toBeNull();
    expect(next.authorizations).toEqual([
      {
        id: 'auth_1',
        amount: 1000,
        status: 'DECLINED',
        providerReference: 'S01-AUTH-1',
        captureNow: { captureId: 'cap_auto' },
        createdAt: iso(APPROVED_AT),
        updatedAt: iso(RESOLVED_AT),
      },
    ]);
  });

  it('does nothing while the provider still answers PENDING', () => {
    expect(decide(resolve(pendingOutcome(after(MINUTE, RESOLVED_AT))), awaitingAsync().state, RESOLVED_AT)).toEqual([]);
  });

  it.each<[string, () => Run]>([
    ['AUTHENTICATION_PENDING', () => created()],
    ['CAPTURE_PENDING', () => manualAuthorized()],
    ['CAPTURED', automaticCaptured],
    ['FAILED', () => given([[cancel(), APPROVED_AT]], created())],
    ['FAILED (declined)', () => given([[approve(declinedOutcome()), APPROVED_AT]], created())],
  ])('does nothing when the charge is %s (a late or repeated check)', (_status, fixture) => {
    expect(decide(resolve(authorizedOutcome(), AUTO_CAPTURE), fixture().state, RESOLVED_AT)).toEqual([]);
    expect(decide(resolve(declinedOutcome()), fixture().state, RESOLVED_AT)).toEqual([]);
    expect(decide(resolve(pendingOutcome(RESOLVED_AT)), fixture().state, RESOLVED_AT)).toEqual([]);
  });

  it('does nothing for an authorization id the charge does not have', () => {
    const stranger = authorizationAnswer(authorizedOutcome('S01-X', AUTO_CAPTURE), 'auth_other');
    expect(decide(stranger, awaitingAsync().state, RESOLVED_AT)).toEqual([]);
    expect(decide(stranger, authorizing().state, RESOLVED_AT)).toEqual([]);
  });
});

describe('RecordConsumerCancellation', () => {
  it('fails the charge with the provider failure: AUTHENTICATION_PENDING → FAILED', () => {
    const { events, state } = when(created(), cancel(), APPROVED_AT);

    expect(events).toEqual([
      {
        type: 'ChargeAuthenticationFailed',
        data: {
          historyId: expect.stringMatching(HISTORY_ID),
          at: iso(APPROVED_AT),
          reason: 'CONSUMER_CANCELED',
          failure: CANCELED_FAILURE,
        },
      },
    ]);
    const next = charge(state);
    expect(next.status).toBe('FAILED');
    expect(next.failure).toEqual(CANCELED_FAILURE);
    expect(statuses(next)).toEqual(['AUTHENTICATION_PENDING', 'FAILED']);
    expect(next.updatedAt).toBe(iso(APPROVED_AT));
    expect(pendingProviderCalls(next)).toEqual([]);
  });
});

describe('ExpireAuthentication (the 10-minute timer)', () => {
  it('does nothing before the deadline (a timer that fires early)', () => {
    expect(decide(expireAuthentication, created().state, after(-1, AUTHENTICATION_DEADLINE))).toEqual([]);
  });

  it.each([
    ['at', AUTHENTICATION_DEADLINE],
    ['after', after(3 * DAY)],
  ])('fails the charge %s the deadline with authentication_timed_out', (_when, now) => {
    const { events, state } = when(created(), expireAuthentication, now);

    expect(types(events)).toEqual(['ChargeAuthenticationFailed']);
    expect(events[0].data).toMatchObject({ reason: 'TIMED_OUT', at: iso(now) });
    const next = charge(state);
    expect(next.status).toBe('FAILED');
    expect(next.failure).toMatchObject({ failureType: 'INTERNAL_DECLINE', failureCode: 'authentication_timed_out' });
    expect(statuses(next)).toEqual(['AUTHENTICATION_PENDING', 'FAILED']);
  });

  it('is safe to run twice: an already timed-out charge gets no second event', () => {
    const once = given([[expireAuthentication, AUTHENTICATION_DEADLINE]], created());
    expect(decide(expireAuthentication, once.state, after(MINUTE, AUTHENTICATION_DEADLINE))).toEqual([]);
  });

  it.each<[string, () => Run]>([
    ['AUTHORIZATION_PROCESSING', () => authorizing()],
    ['AUTHORIZATION_ASYNC', () => awaitingAsync()],
    ['CAPTURE_PENDING', () => manualAuthorized()],
    ['CAPTURED', automaticCaptured],
    ['FAILED', () => given([[cancel(), APPROVED_AT]], created())],
  ])('does nothing once the consumer has finished (%s)', (_status, fixture) => {
    expect(decide(expireAuthentication, fixture().state, after(DAY))).toEqual([]);
  });
});

describe('CaptureCharge (then the capture outcome)', () => {
  it('captures the whole authorization of a CAPTURE_PENDING charge → CAPTURE_PROCESSING → CAPTURED', () => {
    const now = after(DAY);
    const { events, state } = when(manualAuthorized(), captureCharge(1000, 'cap_1'), now);

    expect(events).toEqual([
      {
        type: 'ChargeCaptureRequested',
        data: { historyId: expect.stringMatching(HISTORY_ID), at: iso(now), captureId: 'cap_1', amount: 1000 },
      },
      {
        type: 'ChargeCaptured',
        data: {
          historyId: expect.stringMatching(HISTORY_ID),
          at: iso(now),
          captureId: 'cap_1',
          amount: 1000,
          providerReference: 'S01-C-cap_1',
        },
      },
    ]);
    const next = charge(state);
    expect(next.status).toBe('CAPTURED');
    expect(statuses(next)).toEqual([
      'AUTHENTICATION_PENDING',
      'AUTHORIZATION_PROCESSING',
      'CAPTURE_PENDING',
      'CAPTURE_PROCESSING',
      'CAPTURED',
    ]);
    expect(next.captures).toEqual([
      {
        id: 'cap_1',
        amount: 1000,
        status: 'CAPTURED',
        providerReference: 'S01-C-cap_1',
        createdAt: iso(now),
        updatedAt: iso(now),
      },
    ]);
    expect(openAmount(next)).toBe(0);
  });

  it('captures everything open when no amount is given', () => {
    const partly = given([[captureCharge(300), after(DAY)]], manualAuthorized());
    const { events, state } = when(
      partly,
      [requestCapture(null, 'cap_rest'), captureAnswer('cap_rest')],
      after(2 * DAY),
    );
    expect(types(events)).toEqual(['ChargeCaptureRequested', 'ChargeCaptured']);
    expect(events[0].data).toMatchObject({ captureId: 'cap_rest', amount: 700 });
    expect(capturedAmount(charge(state))).toBe(1000);
    expect(openAmount(charge(state))).toBe(0);
  });

  it('captures in several parts until the authorization is used up, with one CAPTURED history entry', () => {
    let run = manualAuthorized();
    const open: number[] = [];
    for (const [amount, hours] of [
      [300, 1],
      [200, 2],
      [500, 3],
    ]) {
      run = given([[captureCharge(amount), after(hours * 60 * MINUTE)]], run);
      open.push(openAmount(charge(run.state)));
    }

    const state = charge(run.state);
    expect(open).toEqual([700, 500, 0]);
    expect(state.status).toBe('CAPTURED');
    expect(state.captures.map((c) => [c.id, c.amount])).toEqual([
      ['cap_300', 300],
      ['cap_200', 200],
      ['cap_500', 500],
    ]);
    expect(capturedAmount(state)).toBe(1000);
    expect(statuses(state).filter((s) => s === 'CAPTURED')).toHaveLength(1);
    expect(statuses(state).filter((s) => s === 'CAPTURE_PROCESSING')).toHaveLength(1);
    expect(state.updatedAt).toBe(iso(after(3 * 60 * MINUTE)));
  });

  it('refuses more than is still open with AmountExceedsAuthorized (conflict)', () => {
    const run = given([[captureCharge(300), after(DAY)]], manualAuthorized());

    const error = refusal(() => decide(requestCapture(701), run.state, after(DAY + MINUTE)));
    expect(error).toBeInstanceOf(AmountExceedsAuthorized);
    expect(error).toMatchObject({ code: 'amount_exceeds_authorized', kind: 'conflict' });
    expect(error.message).toContain('701');
    expect(error.message).toContain('700');
    expect(types(decideAll(captureCharge(700), run.state, after(DAY + MINUTE)))).toEqual([
      'ChargeCaptureRequested',
      'ChargeCaptured',
    ]);
  });

  it('refuses more than the authorization on the first capture', () => {
    expect(refusal(() => decide(requestCapture(1001), manualAuthorized().state, after(DAY)))).toBeInstanceOf(
      AmountExceedsAuthorized,
    );
  });

  it('refuses a capture at or after captureExpiresAt with AuthorizationExpired (conflict)', () => {
    const { state } = manualAuthorized();
    for (const now of [CAPTURE_DEADLINE, after(DAY, CAPTURE_DEADLINE)]) {
      const error = refusal(() => decide(requestCapture(100), state, now));
      expect(error).toBeInstanceOf(AuthorizationExpired);
      expect(error).toMatchObject({ code: 'authorization_expired', kind: 'conflict' });
      expect(error.message).toContain(iso(CAPTURE_DEADLINE));
    }
    expect(types(decide(requestCapture(100), state, after(-1, CAPTURE_DEADLINE)))).toEqual(['ChargeCaptureRequested']);
  });

  it.each([0, -1, 0.5, 100.25, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])(
    'refuses the amount %d with invalid_amount (invalid, field amount)',
    (amount) => {
      const error = refusal(() => decide(requestCapture(amount), manualAuthorized().state, after(DAY)));
      expect(error).toBeInstanceOf(ChargeRequestRejected);
      expect(error).toMatchObject({ code: 'invalid_amount', kind: 'invalid', field: 'amount' });
    },
  );
});

describe('VoidCharge (then the void outcome)', () => {
  it('refuses a merchant void at or after captureExpiresAt with AuthorizationExpired (the window timer releases it)', () => {
    const { state } = manualAuthorized();
    for (const now of [CAPTURE_DEADLINE, after(1, CAPTURE_DEADLINE), after(DAY, CAPTURE_DEADLINE)]) {
      const error = refusal(() => decide(requestVoid('MERCHANT_REQUESTED', 'void_late'), state, now));
      expect(error).toBeInstanceOf(AuthorizationExpired);
      expect(error).toMatchObject({ code: 'authorization_expired', kind: 'conflict' });
      expect(error.message).toContain(iso(CAPTURE_DEADLINE));
    }
    const inTime = decide(requestVoid('MERCHANT_REQUESTED', 'void_late'), state, after(-1, CAPTURE_DEADLINE));
    expect(inTime).toEqual([
      {
        type: 'ChargeVoidRequested',
        data: {
          historyId: expect.stringMatching(HISTORY_ID),
          at: iso(after(-1, CAPTURE_DEADLINE)),
          voidId: 'void_late',
          amount: 1000,
          reason: 'MERCHANT_REQUESTED',
        },
      },
    ]);
  });

  it('releases a CAPTURE_PENDING authorization at the merchant’s request → VOID_PROCESSING → VOIDED', () => {
    const now = after(DAY);
    const { events, state } = when(manualAuthorized(), voidCharge('MERCHANT_REQUESTED', 'void_1'), now);

    expect(events).toEqual([
      {
        type: 'ChargeVoidRequested',
        data: {
          historyId: expect.stringMatching(HISTORY_ID),
          at: iso(now),
          voidId: 'void_1',
          amount: 1000,
          reason: 'MERCHANT_REQUESTED',
        },
      },
      {
        type: 'ChargeVoided',
        data: {
          historyId: expect.stringMatching(HISTORY_ID),
          at: iso(now),
          voidId: 'void_1',
          amount: 1000,
          reason: 'MERCHANT_REQUESTED',
          providerReference: 'S01-V-void_1',
        },
      },
    ]);
    const next = charge(state);
    expect(next.status).toBe('VOIDED');
    expect(statuses(next)).toEqual([
      'AUTHENTICATION_PENDING',
      'AUTHORIZATION_PROCESSING',
      'CAPTURE_PENDING',
      'VOID_PROCESSING',
      'VOIDED',
    ]);
    expect(next.voids).toEqual([
      {
        id: 'void_1',
        amount: 1000,
        status: 'VOIDED',
        reason: 'MERCHANT_REQUESTED',
        providerReference: 'S01-V-void_1',
        createdAt: iso(now),
        updatedAt: iso(now),
      },
    ]);
    expect(voidedAmount(next)).toBe(1000);
    expect(openAmount(next)).toBe(0);
  });

  it('releases the rest after a partial capture and stays CAPTURED', () => {
    const run = given(
      [
        [captureCharge(400), after(DAY)],
        [voidCharge(), after(2 * DAY)],
      ],
      manualAuthorized(),
    );

    const state = charge(run.state);
    expect(types(run.events).slice(-4)).toEqual([
      'ChargeCaptureRequested',
      'ChargeCaptured',
      'ChargeVoidRequested',
      'ChargeVoided',
    ]);
    expect(state.status).toBe('CAPTURED');
    expect(state.voids).toMatchObject([{ amount: 600, reason: 'MERCHANT_REQUESTED', status: 'VOIDED' }]);
    expect(statuses(state)).toEqual([
      'AUTHENTICATION_PENDING',
      'AUTHORIZATION_PROCESSING',
      'CAPTURE_PENDING',
      'CAPTURE_PROCESSING',
      'CAPTURED',
    ]);
    expect(capturedAmount(state)).toBe(400);
    expect(voidedAmount(state)).toBe(600);
    expect(openAmount(state)).toBe(0);
    expect(state.updatedAt).toBe(iso(after(2 * DAY)));

    // Nothing is left to capture or release.
    expect(refusal(() => decide(requestCapture(1), state, after(3 * DAY)))).toBeInstanceOf(NothingToCapture);
    expect(refusal(() => decide(requestVoid('MERCHANT_REQUESTED', 'void_2'), state, after(3 * DAY)))).toMatchObject({
      code: 'invalid_charge_status',
      currentStatus: 'CAPTURED',
    });
  });

  describe('when the capture window expires (reason CAPTURE_WINDOW_EXPIRED, from the timer)', () => {
    it('does nothing before the window closes (a timer that fires early, e.g. after a restart)', () => {
      expect(
        decideAll(voidCharge('CAPTURE_WINDOW_EXPIRED'), manualAuthorized().state, after(-1, CAPTURE_DEADLINE)),
      ).toEqual([]);
    });

    it('voids the whole open amount of an uncaptured authorization at the deadline → VOIDED', () => {
      const { events, state } = when(manualAuthorized(), voidCharge('CAPTURE_WINDOW_EXPIRED'), CAPTURE_DEADLINE);

      expect(types(events)).toEqual(['ChargeVoidRequested', 'ChargeVoided']);
      for (const event of events) {
        expect(event.data).toMatchObject({ amount: 1000, reason: 'CAPTURE_WINDOW_EXPIRED', at: iso(CAPTURE_DEADLINE) });
      }
      expect(charge(state).status).toBe('VOIDED');
      expect(charge(state).voids).toMatchObject([{ amount: 1000, reason: 'CAPTURE_WINDOW_EXPIRED' }]);
    });

    it('voids only what was not captured after a partial capture, and stays CAPTURED', () => {
      const run = given(
        [
          [captureCharge(250), after(DAY)],
          [voidCharge('CAPTURE_WINDOW_EXPIRED'), after(DAY, CAPTURE_DEADLINE)],
        ],
        manualAuthorized(),
      );
      const state = charge(run.state);
      expect(state.status).toBe('CAPTURED');
      expect(state.voids).toMatchObject([{ amount: 750, reason: 'CAPTURE_WINDOW_EXPIRED' }]);
      expect(openAmount(state)).toBe(0);
    });

    it('does nothing once everything was captured', () => {
      const fully = given([[captureCharge(1000), after(DAY)]], manualAuthorized());
      expect(decideAll(voidCharge('CAPTURE_WINDOW_EXPIRED'), fully.state, CAPTURE_DEADLINE)).toEqual([]);
      expect(decideAll(voidCharge('CAPTURE_WINDOW_EXPIRED'), automaticCaptured().state, CAPTURE_DEADLINE)).toEqual([]);
    });

    it('does nothing when it runs a second time, or after the merchant voided', () => {
      const timedOut = given([[voidCharge('CAPTURE_WINDOW_EXPIRED'), CAPTURE_DEADLINE]], manualAuthorized());
      expect(
        decideAll(voidCharge('CAPTURE_WINDOW_EXPIRED', 'void_2'), timedOut.state, after(DAY, CAPTURE_DEADLINE)),
      ).toEqual([]);
      const voided = given([[voidCharge(), after(DAY)]], manualAuthorized());
      expect(decideAll(voidCharge('CAPTURE_WINDOW_EXPIRED', 'void_2'), voided.state, CAPTURE_DEADLINE)).toEqual([]);
      // Also while the merchant's void is still waiting for its answer.
      const voiding = given([[requestVoid(), after(DAY)]], manualAuthorized());
      expect(decideAll(voidCharge('CAPTURE_WINDOW_EXPIRED', 'void_2'), voiding.state, CAPTURE_DEADLINE)).toEqual([]);
    });

    it.each<[string, () => Run]>([
      ['AUTHENTICATION_PENDING', () => created()],
      ['AUTHORIZATION_PROCESSING', () => authorizing()],
      ['AUTHORIZATION_ASYNC', () => awaitingAsync()],
      ['FAILED', () => given([[cancel(), APPROVED_AT]], created())],
    ])('does nothing on a charge that was never authorized (%s)', (_status, fixture) => {
      expect(decideAll(voidCharge('CAPTURE_WINDOW_EXPIRED'), fixture().state, after(30 * DAY))).toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Intents and their answers
// ---------------------------------------------------------------------------------------------------------------

describe('intents and their answers', () => {
  const ANSWERED_AT = after(2_000, APPROVED_AT);

  it('records only the intent when the consumer approves: AUTHORIZATION_PROCESSING, authorization PROCESSING', () => {
    const { events, state } = when(created(), approval(), APPROVED_AT);

    expect(events).toEqual([
      {
        type: 'ChargeAuthenticationCompleted',
        data: { historyId: expect.stringMatching(HISTORY_ID), at: iso(APPROVED_AT) },
      },
      {
        type: 'ChargeAuthorizationRequested',
        data: {
          historyId: expect.stringMatching(HISTORY_ID),
          at: iso(APPROVED_AT),
          authorizationId: 'auth_1',
          amount: 1000,
          captureNow: { captureId: 'cap_auto' },
        },
      },
    ]);
    const next = charge(state);
    expect(next.status).toBe('AUTHORIZATION_PROCESSING');
    // An intent adds no history entry of its own.
    expect(statuses(next)).toEqual(['AUTHENTICATION_PENDING', 'AUTHORIZATION_PROCESSING']);
    expect(next.authorizations).toEqual([
      {
        id: 'auth_1',
        amount: 1000,
        status: 'PROCESSING',
        providerReference: null,
        captureNow: { captureId: 'cap_auto' },
        createdAt: iso(APPROVED_AT),
        updatedAt: iso(APPROVED_AT),
      },
    ]);
    expect(next.captures).toEqual([]);
    expect(next.captureExpiresAt).toBeNull();
    expect(authorizedAmount(next)).toBe(0);
    expect(openAmount(next)).toBe(0);
    expect(next.updatedAt).toBe(iso(APPROVED_AT));
  });

  it('keeps the intent’s createdAt and takes the answer’s time for updatedAt and the capture window', () => {
    const { state } = when(authorizing('MANUAL'), authorizationAnswer(authorizedOutcome()), ANSWERED_AT);
    const next = charge(state);
    expect(next.authorizations).toMatchObject([{ createdAt: iso(APPROVED_AT), updatedAt: iso(ANSWERED_AT) }]);
    expect(next.captureExpiresAt).toBe(iso(after(7 * DAY, ANSWERED_AT)));
    expect(next.history.at(-1)).toMatchObject({ status: 'CAPTURE_PENDING', createdAt: iso(ANSWERED_AT) });
  });

  it('with captureNow and a capture in the answer: Authorized and Captured at once, nothing left to call', () => {
    const { events, state } = when(
      authorizing(),
      authorizationAnswer(authorizedOutcome('S01-A', { providerReference: 'S01-C' })),
      ANSWERED_AT,
    );
    expect(types(events)).toEqual(['ChargeAuthorized', 'ChargeCaptured']);
    expect(events[1].data).toMatchObject({ captureId: 'cap_auto', amount: 1000, providerReference: 'S01-C' });
    expect(charge(state).status).toBe('CAPTURED');
    expect(pendingProviderCalls(state)).toEqual([]);
  });

  it('with captureNow and no capture in the answer: a ChargeCaptureRequested follows, then its answer', () => {
    const authorized = when(authorizing(), authorizationAnswer(authorizedOutcome('S01-A')), ANSWERED_AT);
    expect(types(authorized.events)).toEqual(['ChargeAuthorized', 'ChargeCaptureRequested']);
    expect(authorized.events[1].data).toEqual({
      historyId: expect.stringMatching(HISTORY_ID),
      at: iso(ANSWERED_AT),
      captureId: 'cap_auto',
      amount: 1000,
    });
    const processing = charge(authorized.state);
    expect(processing.status).toBe('CAPTURE_PROCESSING');
    expect(processing.captures).toEqual([
      {
        id: 'cap_auto',
        amount: 1000,
        status: 'PROCESSING',
        providerReference: null,
        createdAt: iso(ANSWERED_AT),
        updatedAt: iso(ANSWERED_AT),
      },
    ]);
    // The capture being made is spoken for: nothing is open to capture or release meanwhile.
    expect(openAmount(processing)).toBe(0);

    const capturedAt = after(MINUTE, ANSWERED_AT);
    const { events, state } = when({ state: processing, events: [] }, captureAnswer('cap_auto', 'S01-C'), capturedAt);
    expect(types(events)).toEqual(['ChargeCaptured']);
    const next = charge(state);
    expect(next.status).toBe('CAPTURED');
    expect(statuses(next)).toEqual([
      'AUTHENTICATION_PENDING',
      'AUTHORIZATION_PROCESSING',
      'CAPTURE_PROCESSING',
      'CAPTURED',
    ]);
    expect(next.captures).toEqual([
      {
        id: 'cap_auto',
        amount: 1000,
        status: 'CAPTURED',
        providerReference: 'S01-C',
        createdAt: iso(ANSWERED_AT),
        updatedAt: iso(capturedAt),
      },
    ]);
  });

  it('takes a merchant capture CAPTURE_PENDING → CAPTURE_PROCESSING (intent) → CAPTURED (answer)', () => {
    const requestedAt = after(DAY);
    const answeredAt = after(DAY + 5_000);
    const requested = when(manualAuthorized(), requestCapture(400, 'cap_1'), requestedAt);
    expect(types(requested.events)).toEqual(['ChargeCaptureRequested']);
    const processing = charge(requested.state);
    expect(processing.status).toBe('CAPTURE_PROCESSING');
    expect(processing.history.at(-1)).toMatchObject({ status: 'CAPTURE_PROCESSING', createdAt: iso(requestedAt) });
    expect(processing.captures).toEqual([
      {
        id: 'cap_1',
        amount: 400,
        status: 'PROCESSING',
        providerReference: null,
        createdAt: iso(requestedAt),
        updatedAt: iso(requestedAt),
      },
    ]);
    expect(capturedAmount(processing)).toBe(400);
    expect(openAmount(processing)).toBe(600);

    const answered = when({ state: processing, events: [] }, captureAnswer('cap_1'), answeredAt);
    const next = charge(answered.state);
    expect(next.status).toBe('CAPTURED');
    expect(next.history.at(-1)).toMatchObject({ status: 'CAPTURED', createdAt: iso(answeredAt) });
    expect(next.captures).toEqual([
      {
        id: 'cap_1',
        amount: 400,
        status: 'CAPTURED',
        providerReference: 'S01-C-cap_1',
        createdAt: iso(requestedAt),
        updatedAt: iso(answeredAt),
      },
    ]);
    expect(openAmount(next)).toBe(600);
  });

  it('takes a void CAPTURE_PENDING → VOID_PROCESSING (intent) → VOIDED (answer)', () => {
    const requested = when(manualAuthorized(), requestVoid('MERCHANT_REQUESTED', 'void_1'), after(DAY));
    const processing = charge(requested.state);
    expect(processing.status).toBe('VOID_PROCESSING');
    expect(processing.voids).toEqual([
      {
        id: 'void_1',
        amount: 1000,
        status: 'PROCESSING',
        reason: 'MERCHANT_REQUESTED',
        providerReference: null,
        createdAt: iso(after(DAY)),
        updatedAt: iso(after(DAY)),
      },
    ]);
    expect(openAmount(processing)).toBe(0);
    // While the void is under way, nothing can be captured.
    expect(refusal(() => decide(requestCapture(1), processing, after(DAY)))).toMatchObject({
      code: 'invalid_charge_status',
      currentStatus: 'VOID_PROCESSING',
    });

    const next = charge(when(requested, voidAnswer('void_1'), after(DAY + 1_000)).state);
    expect(next.status).toBe('VOIDED');
    expect(statuses(next).slice(-3)).toEqual(['CAPTURE_PENDING', 'VOID_PROCESSING', 'VOIDED']);
    expect(next.voids).toMatchObject([
      { id: 'void_1', status: 'VOIDED', providerReference: 'S01-V-void_1', updatedAt: iso(after(DAY + 1_000)) },
    ]);
  });

  it('keeps a CAPTURED charge CAPTURED while a further partial capture or the void of the rest is under way', () => {
    const partly = given([[captureCharge(300), after(DAY)]], manualAuthorized());
    const historyBefore = statuses(partly.state);

    const capturing = given([[requestCapture(200, 'cap_2'), after(2 * DAY)]], partly);
    expect(charge(capturing.state).status).toBe('CAPTURED');
    expect(statuses(capturing.state)).toEqual(historyBefore);
    expect(openAmount(charge(capturing.state))).toBe(500);

    const voiding = given([[requestVoid(), after(3 * DAY)]], capturing);
    expect(charge(voiding.state).status).toBe('CAPTURED');
    expect(charge(voiding.state).voids).toMatchObject([{ amount: 500, status: 'PROCESSING' }]);
    expect(openAmount(charge(voiding.state))).toBe(0);

    // Answered in the other order than asked: the charge ends the same.
    const done = given(
      [
        [voidAnswer('void_1'), after(4 * DAY)],
        [captureAnswer('cap_2'), after(5 * DAY)],
      ],
      voiding,
    );
    const state = charge(done.state);
    expect(state.status).toBe('CAPTURED');
    expect(statuses(state)).toEqual(historyBefore);
    expect(capturedAmount(state)).toBe(500);
    expect(voidedAmount(state)).toBe(500);
    expect([...state.captures, ...state.voids].every((r) => r.status !== 'PROCESSING')).toBe(true);
  });

  it('counts captures and voids under way as spoken for: a capture cannot take them again', () => {
    const run = given([[requestCapture(700, 'cap_1'), after(DAY)]], manualAuthorized());
    expect(refusal(() => decide(requestCapture(301, 'cap_2'), run.state, after(DAY)))).toMatchObject({
      code: 'invalid_charge_status',
      currentStatus: 'CAPTURE_PROCESSING',
    });
    const answered = given([[captureAnswer('cap_1'), after(DAY)]], run);
    const error = refusal(() => decide(requestCapture(301, 'cap_2'), answered.state, after(DAY)));
    expect(error).toBeInstanceOf(AmountExceedsAuthorized);
    expect(error.message).toContain('300');
  });

  describe('recording an answer again, or for an id the charge does not have, records nothing', () => {
    it('for an authorization', () => {
      const answered = given(
        [[authorizationAnswer(authorizedOutcome('S01-A', AUTO_CAPTURE)), ANSWERED_AT]],
        authorizing(),
      );
      for (const outcome of [
        authorizedOutcome('S01-A', AUTO_CAPTURE),
        authorizedOutcome('S01-B'),
        declinedOutcome(),
        pendingOutcome(after(MINUTE, ANSWERED_AT)),
      ]) {
        expect(decide(authorizationAnswer(outcome), answered.state, after(MINUTE, ANSWERED_AT))).toEqual([]);
      }
      const declined = given([[authorizationAnswer(declinedOutcome()), ANSWERED_AT]], authorizing());
      expect(decide(authorizationAnswer(authorizedOutcome()), declined.state, after(MINUTE, ANSWERED_AT))).toEqual([]);
      expect(
        decide(authorizationAnswer(authorizedOutcome(), 'auth_unknown'), authorizing().state, ANSWERED_AT),
      ).toEqual([]);
    });

    it('for a capture', () => {
      const run = given([[requestCapture(400, 'cap_1'), after(DAY)]], manualAuthorized());
      const once = given([[captureAnswer('cap_1', 'S01-C-first'), after(DAY)]], run);
      expect(decide(captureAnswer('cap_1', 'S01-C-first'), once.state, after(2 * DAY))).toEqual([]);
      expect(decide(captureAnswer('cap_1', 'S01-C-other'), once.state, after(2 * DAY))).toEqual([]);
      expect(charge(once.state).captures).toMatchObject([{ providerReference: 'S01-C-first' }]);
      expect(decide(captureAnswer('cap_unknown'), run.state, after(2 * DAY))).toEqual([]);
      expect(decide(captureAnswer('cap_unknown'), manualAuthorized().state, after(2 * DAY))).toEqual([]);
      // The automatic capture answered with its authorization has no answer left to record.
      expect(decide(captureAnswer('cap_auto'), automaticCaptured().state, after(DAY))).toEqual([]);
    });

    it('for a void', () => {
      const run = given([[requestVoid('MERCHANT_REQUESTED', 'void_1'), after(DAY)]], manualAuthorized());
      const once = given([[voidAnswer('void_1'), after(DAY)]], run);
      expect(decide(voidAnswer('void_1'), once.state, after(2 * DAY))).toEqual([]);
      expect(decide(voidAnswer('void_1', 'S01-V-other'), once.state, after(2 * DAY))).toEqual([]);
      expect(decide(voidAnswer('void_unknown'), run.state, after(2 * DAY))).toEqual([]);
      expect(decide(voidAnswer('void_unknown'), manualAuthorized().state, after(2 * DAY))).toEqual([]);
    });

    it('on a charge that does not exist, refuses it (NEW)', () => {
      for (const command of [authorizationAnswer(authorizedOutcome()), captureAnswer('cap_1'), voidAnswer('void_1')]) {
        expect(refusal(() => decide(command, initialState, ANSWERED_AT))).toMatchObject({
          code: 'invalid_charge_status',
          currentStatus: 'NEW',
        });
      }
    });
  });

  describe('asking again with the same operation id (a retried request) records nothing', () => {
    it('for a capture, before or after its answer, whatever amount it names', () => {
      const run = given([[requestCapture(400, 'cap_1'), after(DAY)]], manualAuthorized());
      expect(decide(requestCapture(400, 'cap_1'), run.state, after(DAY))).toEqual([]);
      expect(decide(requestCapture(999, 'cap_1'), run.state, after(DAY))).toEqual([]);
      const answered = given([[captureAnswer('cap_1'), after(DAY)]], run);
      expect(decide(requestCapture(400, 'cap_1'), answered.state, after(2 * DAY))).toEqual([]);
      // Even once nothing is open any more.
      const full = given([[captureCharge(1000, 'cap_all'), after(DAY)]], manualAuthorized());
      expect(decide(requestCapture(1000, 'cap_all'), full.state, after(2 * DAY))).toEqual([]);
    });

    it('for a void, before or after its answer', () => {
      const run = given([[requestVoid('MERCHANT_REQUESTED', 'void_1'), after(DAY)]], manualAuthorized());
      expect(decide(requestVoid('MERCHANT_REQUESTED', 'void_1'), run.state, after(DAY))).toEqual([]);
      const answered = given([[voidAnswer('void_1'), after(DAY)]], run);
      expect(decide(requestVoid('MERCHANT_REQUESTED', 'void_1'), answered.state, after(2 * DAY))).toEqual([]);
    });
  });

  describe('NothingToCapture', () => {
    it.each<[string, () => Run]>([
      ['fully captured (automatic)', automaticCaptured],
      [
        'fully captured (manual, in parts)',
        () =>
          given(
            [
              [captureCharge(600), after(DAY)],
              [captureCharge(400), after(DAY)],
            ],
            manualAuthorized(),
          ),
      ],
      [
        'partly captured, the rest voided',
        () =>
          given(
            [
              [captureCharge(600), after(DAY)],
              [voidCharge(), after(DAY)],
            ],
            manualAuthorized(),
          ),
      ],
      [
        'partly captured, the rest being captured',
        () =>
          given(
            [
              [captureCharge(600), after(DAY)],
              [requestCapture(400), after(DAY)],
            ],
            manualAuthorized(),
          ),
      ],
      [
        'partly captured, the rest being voided',
        () =>
          given(
            [
              [captureCharge(600), after(DAY)],
              [requestVoid(), after(DAY)],
            ],
            manualAuthorized(),
          ),
      ],
    ])(
      'refuses a capture when nothing is open (%s), before any intent, with or without an amount',
      (_case, fixture) => {
        const { state } = fixture();
        for (const amount of [null, 1, 0, 5000]) {
          const error = refusal(() => decide(requestCapture(amount, 'cap_new'), state, after(2 * DAY)));
          expect(error).toBeInstanceOf(NothingToCapture);
          expect(error).toMatchObject({ code: 'nothing_to_capture', kind: 'conflict', currentStatus: 'CAPTURED' });
          expect(error.message).toContain('CAPTURED');
        }
        expect(pendingProviderCalls(state).filter((c) => c.kind === 'capture' && c.captureId === 'cap_new')).toEqual(
          [],
        );
      },
    );

    it('is not what an expired authorization answers: the window is checked first', () => {
      expect(refusal(() => decide(requestCapture(null), automaticCaptured().state, CAPTURE_DEADLINE))).toBeInstanceOf(
        AuthorizationExpired,
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Provider calls pending, and the timers read from the log
// ---------------------------------------------------------------------------------------------------------------

describe('pendingProviderCalls', () => {
  const authorizeCall = (
    overrides: Partial<Extract<ChargeProviderCall, { kind: 'authorize' }>> = {},
  ): ChargeProviderCall => ({
    kind: 'authorize',
    idempotencyKey: 'auth_1',
    authorizationId: 'auth_1',
    amount: money(1000, 'USD'),
    simulationCode: null,
    captureNow: { captureId: 'cap_auto' },
    ...overrides,
  });

  it('has none for a charge that does not exist, waits for its consumer, failed, or has everything answered', () => {
    for (const run of [
      START,
      created(),
      given([[cancel(), APPROVED_AT]], created()),
      given([[approve(declinedOutcome()), APPROVED_AT]], created()),
      awaitingAsync(),
      manualAuthorized(),
      automaticCaptured(),
      given(
        [
          [captureCharge(400), after(DAY)],
          [voidCharge(), after(DAY)],
        ],
        manualAuthorized(),
      ),
    ]) {
      expect(pendingProviderCalls(run.state)).toEqual([]);
    }
  });

  it('asks to authorize (and capture now) once approved, keyed by the authorization id', () => {
    expect(pendingProviderCalls(authorizing().state)).toEqual([authorizeCall()]);
    expect(pendingProviderCalls(authorizing('MANUAL').state)).toEqual([authorizeCall({ captureNow: null })]);
    const simulated = given(
      [[approval('auth_9', 'cap_9'), APPROVED_AT]],
      created({ simulationCode: 'Declined', amount: money(777, 'USD') }),
    );
    expect(pendingProviderCalls(simulated.state)).toEqual([
      authorizeCall({
        idempotencyKey: 'auth_9',
        authorizationId: 'auth_9',
        amount: money(777, 'USD'),
        simulationCode: 'Declined',
        captureNow: { captureId: 'cap_9' },
      }),
    ]);
  });

  it('asks for each capture and void under way against the authorization, keyed by their ids, until answered', () => {
    const partly = given([[captureCharge(300, 'cap_1'), after(DAY)]], manualAuthorized());
    const asked = given(
      [
        [requestCapture(200, 'cap_2'), after(DAY)],
        [requestCapture(100, 'cap_3'), after(DAY)],
        [requestVoid('MERCHANT_REQUESTED', 'void_1'), after(DAY)],
      ],
      partly,
    );
    const captureCall = (captureId: string, value: number): ChargeProviderCall => ({
      kind: 'capture',
      idempotencyKey: captureId,
      captureId,
      amount: money(value, 'USD'),
      authorizationReference: 'S01-AUTH-1',
    });
    const voidCall: ChargeProviderCall = {
      kind: 'void',
      idempotencyKey: 'void_1',
      voidId: 'void_1',
      amount: money(400, 'USD'),
      authorizationReference: 'S01-AUTH-1',
    };
    expect(pendingProviderCalls(asked.state)).toEqual([captureCall('cap_2', 200), captureCall('cap_3', 100), voidCall]);

    const one = given([[captureAnswer('cap_3'), after(DAY)]], asked);
    expect(pendingProviderCalls(one.state)).toEqual([captureCall('cap_2', 200), voidCall]);
    const all = given(
      [
        [voidAnswer('void_1'), after(DAY)],
        [captureAnswer('cap_2'), after(DAY)],
      ],
      one,
    );
    expect(pendingProviderCalls(all.state)).toEqual([]);
  });

  it('makes no call twice for a retried request or a repeated answer', () => {
    const run = given(
      [
        [requestCapture(400, 'cap_1'), after(DAY)],
        [requestCapture(400, 'cap_1'), after(DAY)],
      ],
      manualAuthorized(),
    );
    expect(pendingProviderCalls(run.state).map((c) => c.idempotencyKey)).toEqual(['cap_1']);
    const answered = given(
      [
        [captureAnswer('cap_1'), after(DAY)],
        [captureAnswer('cap_1'), after(DAY)],
      ],
      run,
    );
    expect(pendingProviderCalls(answered.state)).toEqual([]);
  });
});

describe('logDeadlines (timers read from the event log)', () => {
  const RETRY_AFTER_MS = PROVIDER_RETRY_AFTER_MS;
  const on = (chargeId: string, events: ChargeEvent[]) => events.map((event) => ({ chargeId, event }));
  const retryAt = (at: Date) => iso(after(RETRY_AFTER_MS, at));

  it('waits 10 seconds before making an unanswered provider call again', () => {
    expect(PROVIDER_RETRY_AFTER_MS).toBe(10_000);
  });

  it('starts the redirect timer of a created charge, and nothing else', () => {
    expect(logDeadlines(on('charge_1', created().events))).toEqual([
      { chargeId: 'charge_1', kind: 'authentication_timeout', dueAt: iso(AUTHENTICATION_DEADLINE) },
    ]);
    expect(logDeadlines([])).toEqual([]);
  });

  it('adds a retry for an intent left unanswered in the batch, and none once its answer is in the batch', () => {
    expect(logDeadlines(on('charge_1', authorizing().events))).toEqual([
      { chargeId: 'charge_1', kind: 'authentication_timeout', dueAt: iso(AUTHENTICATION_DEADLINE) },
      { chargeId: 'charge_1', kind: 'provider_retry', dueAt: retryAt(APPROVED_AT) },
    ]);
    for (const run of [
      automaticCaptured(),
      awaitingAsync(),
      given([[approve(declinedOutcome()), APPROVED_AT]], created()),
    ]) {
      expect(logDeadlines(on('charge_1', run.events)).map((d) => d.kind)).toEqual(['authentication_timeout']);
    }
  });

  it('reads each batch on its own: an intent in one batch and its answer in the next', () => {
    const before = authorizing();
    const answer = when(
      before,
      authorizationAnswer(authorizedOutcome('S01-A', AUTO_CAPTURE)),
      after(MINUTE, APPROVED_AT),
    );
    expect(logDeadlines(on('charge_1', before.events.slice(1)))).toEqual([
      { chargeId: 'charge_1', kind: 'provider_retry', dueAt: retryAt(APPROVED_AT) },
    ]);
    expect(logDeadlines(on('charge_1', answer.events))).toEqual([]);
  });

  it('retries the capture asked for after an authorization that came without it', () => {
    const answeredAt = after(3_000, APPROVED_AT);
    const { events } = when(authorizing(), authorizationAnswer(authorizedOutcome('S01-A')), answeredAt);
    expect(logDeadlines(on('charge_1', events))).toEqual([
      { chargeId: 'charge_1', kind: 'provider_retry', dueAt: retryAt(answeredAt) },
    ]);
  });

  it('retries captures and voids left unanswered, once per charge, at the earliest due time', () => {
    const base = manualAuthorized();
    const run = given(
      [
        [requestCapture(300, 'cap_1'), after(DAY)],
        [captureAnswer('cap_1'), after(DAY)],
        [requestCapture(200, 'cap_2'), after(DAY + 5_000)],
        [requestCapture(100, 'cap_3'), after(DAY + 2_000)],
        [requestVoid('MERCHANT_REQUESTED', 'void_1'), after(DAY + 9_000)],
      ],
      { state: base.state, events: [] },
    );
    expect(logDeadlines(on('charge_1', run.events))).toEqual([
      { chargeId: 'charge_1', kind: 'provider_retry', dueAt: retryAt(after(DAY + 2_000)) },
    ]);
    // Once every one is answered, no retry.
    const answered = given(
      [
        [captureAnswer('cap_2'), after(DAY + 10_000)],
        [captureAnswer('cap_3'), after(DAY + 10_000)],
        [voidAnswer('void_1'), after(DAY + 10_000)],
      ],
      run,
    );
    expect(logDeadlines(on('charge_1', answered.events))).toEqual([]);
  });

  it('keeps charges apart: each charge with an unanswered intent gets its own retry', () => {
    const first = on('charge_1', given([[approval('auth_a', 'cap_a'), APPROVED_AT]], created()).events);
    const second = on(
      'charge_2',
      given([[approval('auth_b', 'cap_b'), after(MINUTE, APPROVED_AT)]], created({ chargeId: 'charge_2' })).events,
    );
    const answeredSecond = on('charge_2', [
      ...decideAll(
        authorizationAnswer(authorizedOutcome('S01-A', AUTO_CAPTURE), 'auth_b'),
        fold(
          chargeDecider,
          second.map((e) => e.event),
        ),
        after(MINUTE, APPROVED_AT),
      ),
    ]);
    expect(logDeadlines([...first, ...second])).toEqual([
      { chargeId: 'charge_1', kind: 'authentication_timeout', dueAt: iso(AUTHENTICATION_DEADLINE) },
      { chargeId: 'charge_2', kind: 'authentication_timeout', dueAt: iso(AUTHENTICATION_DEADLINE) },
      { chargeId: 'charge_1', kind: 'provider_retry', dueAt: retryAt(APPROVED_AT) },
      { chargeId: 'charge_2', kind: 'provider_retry', dueAt: retryAt(after(MINUTE, APPROVED_AT)) },
    ]);
    expect(logDeadlines([...first, ...second, ...answeredSecond]).filter((d) => d.kind === 'provider_retry')).toEqual([
      { chargeId: 'charge_1', kind: 'provider_retry', dueAt: retryAt(APPROVED_AT) },
    ]);
  });

  it('has no redirect timer for a merchant-initiated charge, only the retry of its authorization', () => {
    const events = decide(merchantInitiated(), initialState, T0);
    expect(logDeadlines(on('charge_mit', events))).toEqual([
      { chargeId: 'charge_mit', kind: 'provider_retry', dueAt: retryAt(T0) },
    ]);
  });
});

describe('commandDeadlines (timers a command’s events start)', () => {
  it('checks a pending authorization again at its checkAfter', () => {
    const checkAfter = after(30_000, APPROVED_AT);
    const { events, state } = when(authorizing(), authorizationAnswer(pendingOutcome(checkAfter)), APPROVED_AT);
    expect(commandDeadlines(events, state)).toEqual([{ kind: 'authorization_check', dueAt: iso(checkAfter) }]);
  });

  it('starts the capture window of an authorization left open, and none when it is captured or being captured', () => {
    const manual = when(authorizing('MANUAL'), authorizationAnswer(authorizedOutcome()), APPROVED_AT);
    expect(commandDeadlines(manual.events, manual.state)).toEqual([
      { kind: 'capture_window', dueAt: iso(CAPTURE_DEADLINE) },
    ]);
    const captured = when(authorizing(), authorizationAnswer(authorizedOutcome('S01-A', AUTO_CAPTURE)), APPROVED_AT);
    expect(commandDeadlines(captured.events, captured.state)).toEqual([]);
    const capturing = when(authorizing(), authorizationAnswer(authorizedOutcome('S01-A')), APPROVED_AT);
    expect(commandDeadlines(capturing.events, capturing.state)).toEqual([]);
  });

  it('starts the capture window again when a capture is answered with money still open', () => {
    // A first, partial capture asked for just before the window closes, answered after it (a failed call retried).
    const requested = given([[requestCapture(400, 'cap_1'), after(-5_000, CAPTURE_DEADLINE)]], manualAuthorized());
    // The window's timer fires meanwhile and finds the charge CAPTURE_PROCESSING: nothing it may release yet.
    expect(decideAll(voidCharge('CAPTURE_WINDOW_EXPIRED', 'void_t1'), requested.state, CAPTURE_DEADLINE)).toEqual([]);
    const answered = given([[captureAnswer('cap_1'), after(5_000, CAPTURE_DEADLINE)]], requested);
    const answer = answered.events.slice(requested.events.length);
    expect(openAmount(charge(answered.state))).toBe(600);
    // The timer is set again (due at once): without it the 600 would stay open in the ledger for good.
    expect(commandDeadlines(answer, answered.state)).toEqual([
      { kind: 'capture_window', dueAt: iso(CAPTURE_DEADLINE) },
    ]);
    const released = given(
      [[voidCharge('CAPTURE_WINDOW_EXPIRED', 'void_t2'), after(6_000, CAPTURE_DEADLINE)]],
      answered,
    );
    expect(charge(released.state).voids).toMatchObject([{ amount: 600, reason: 'CAPTURE_WINDOW_EXPIRED' }]);
    expect(openAmount(charge(released.state))).toBe(0);
    // A capture that leaves nothing open starts nothing.
    const full = when(
      given([[requestCapture(1000, 'cap_2'), after(DAY)]], manualAuthorized()),
      captureAnswer('cap_2'),
      after(DAY),
    );
    expect(commandDeadlines(full.events, full.state)).toEqual([]);
  });

  it('starts nothing for intents (their retry is read from the log) or for timeouts', () => {
    for (const { events, state } of [
      when(created(), approval(), APPROVED_AT),
      when(manualAuthorized(), requestCapture(100), after(DAY)),
      when(created(), expireAuthentication, AUTHENTICATION_DEADLINE),
    ]) {
      expect(commandDeadlines(events, state)).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Illegal transitions
// ---------------------------------------------------------------------------------------------------------------

describe('illegal transitions', () => {
  const ACT_AT = after(2 * MINUTE); // before the authentication deadline and inside the capture window

  const FIXTURES = {
    NEW: () => START,
    AUTHENTICATION_PENDING: () => created(),
    AUTHORIZATION_PROCESSING: () => authorizing(),
    AUTHORIZATION_ASYNC: () => awaitingAsync(),
    CAPTURE_PENDING: () => manualAuthorized(),
    'CAPTURE_PROCESSING (merchant capture)': () => given([[requestCapture(400), after(90_000)]], manualAuthorized()),
    'CAPTURE_PROCESSING (automatic capture)': () =>
      given([[authorizationAnswer(authorizedOutcome()), APPROVED_AT]], authorizing()),
    VOID_PROCESSING: () => given([[requestVoid(), after(90_000)]], manualAuthorized()),
    'CAPTURED (partly)': () => given([[captureCharge(400), after(90_000)]], manualAuthorized()),
    'CAPTURED (fully)': automaticCaptured,
    'REFUND_PROCESSING (partly captured)': () =>
      given([[refundRequested('refund_1', 100), after(2 * MINUTE)]], partlyCaptured()),
    'REFUNDED (partly captured)': () =>
      given([[[refundRequested('refund_1', 400), refundSucceeded('refund_1')], after(2 * MINUTE)]], partlyCaptured()),
    'REFUNDED (fully captured)': () =>
      given(
        [[[refundRequested('refund_1', 1000), refundSucceeded('refund_1')], after(2 * MINUTE)]],
        automaticCaptured(),
      ),
    FAILED: () => given([[cancel(), APPROVED_AT]], created()),
    VOIDED: () => given([[voidCharge(), after(90_000)]], manualAuthorized()),
  } satisfies Record<string, () => Run>;
  type FixtureName = keyof typeof FIXTURES;

  const COMMANDS = {
    RecordConsumerApproval: () => approval('auth_2', 'cap_2'),
    RecordConsumerCancellation: () => cancel(),
    CaptureCharge: () => requestCapture(100, 'cap_new'),
    'VoidCharge (MERCHANT_REQUESTED)': () => requestVoid('MERCHANT_REQUESTED', 'void_new'),
  } satisfies Record<string, () => ChargeCommand>;
  type CommandName = keyof typeof COMMANDS;

  /** `ok` = accepted; otherwise the error code, and for invalid_charge_status the status it reports. */
  type Expected = 'ok' | { code: 'invalid_charge_status'; currentStatus: ChargeStatus | 'NEW' } | { code: string };
  const invalid = (currentStatus: ChargeStatus | 'NEW'): Expected => ({ code: 'invalid_charge_status', currentStatus });
  const allInvalid = (status: ChargeStatus | 'NEW'): Record<CommandName, Expected> => ({
    RecordConsumerApproval: invalid(status),
    RecordConsumerCancellation: invalid(status),
    CaptureCharge: invalid(status),
    'VoidCharge (MERCHANT_REQUESTED)': invalid(status),
  });

  const TABLE: Record<FixtureName, Record<CommandName, Expected>> = {
    NEW: allInvalid('NEW'),
    AUTHENTICATION_PENDING: {
      RecordConsumerApproval: 'ok',
      RecordConsumerCancellation: 'ok',
      CaptureCharge: invalid('AUTHENTICATION_PENDING'),
      'VoidCharge (MERCHANT_REQUESTED)': invalid('AUTHENTICATION_PENDING'),
    },
    AUTHORIZATION_PROCESSING: allInvalid('AUTHORIZATION_PROCESSING'),
    AUTHORIZATION_ASYNC: allInvalid('AUTHORIZATION_ASYNC'),
    CAPTURE_PENDING: {
      RecordConsumerApproval: invalid('CAPTURE_PENDING'),
      RecordConsumerCancellation: invalid('CAPTURE_PENDING'),
      CaptureCharge: 'ok',
      'VoidCharge (MERCHANT_REQUESTED)': 'ok',
    },
    // While the first capture or the void is under way, the charge takes no other money-moving command.
    'CAPTURE_PROCESSING (merchant capture)': allInvalid('CAPTURE_PROCESSING'),
    'CAPTURE_PROCESSING (automatic capture)': allInvalid('CAPTURE_PROCESSING'),
    VOID_PROCESSING: allInvalid('VOID_PROCESSING'),
    'CAPTURED (partly)': {
      RecordConsumerApproval: invalid('CAPTURED'),
      RecordConsumerCancellation: invalid('CAPTURED'),
      CaptureCharge: 'ok',
      'VoidCharge (MERCHANT_REQUESTED)': 'ok',
    },
    'CAPTURED (fully)': {
      RecordConsumerApproval: invalid('CAPTURED'),
      RecordConsumerCancellation: invalid('CAPTURED'),
      // CAPTURED allows further (partial) captures; with nothing open, there is nothing to capture.
      CaptureCharge: { code: 'nothing_to_capture' },
      'VoidCharge (MERCHANT_REQUESTED)': invalid('CAPTURED'),
    },
    // A refund under way or done takes nothing from what is still open: it may be captured or released as in CAPTURED.
    'REFUND_PROCESSING (partly captured)': {
      RecordConsumerApproval: invalid('REFUND_PROCESSING'),
      RecordConsumerCancellation: invalid('REFUND_PROCESSING'),
      CaptureCharge: 'ok',
      'VoidCharge (MERCHANT_REQUESTED)': 'ok',
    },
    'REFUNDED (partly captured)': {
      RecordConsumerApproval: invalid('REFUNDED'),
      RecordConsumerCancellation: invalid('REFUNDED'),
      CaptureCharge: 'ok',
      'VoidCharge (MERCHANT_REQUESTED)': 'ok',
    },
    'REFUNDED (fully captured)': {
      RecordConsumerApproval: invalid('REFUNDED'),
      RecordConsumerCancellation: invalid('REFUNDED'),
      CaptureCharge: { code: 'nothing_to_capture' },
      'VoidCharge (MERCHANT_REQUESTED)': invalid('REFUNDED'),
    },
    FAILED: allInvalid('FAILED'),
    VOIDED: allInvalid('VOIDED'),
  };

  const cells = (Object.keys(TABLE) as FixtureName[]).flatMap((fixture) =>
    (Object.keys(TABLE[fixture]) as CommandName[]).map((command) => ({
      fixture,
      command,
      expected: TABLE[fixture][command],
    })),
  );

  it.each(cells.filter((c) => c.expected !== 'ok'))(
    '$fixture × $command is refused',
    ({ fixture, command, expected }) => {
      const { state } = FIXTURES[fixture]();
      const error = refusal(() => decide(COMMANDS[command](), state, ACT_AT));
      expect(error).toMatchObject({ kind: 'conflict', ...(expected as object) });
      if ((expected as { code: string }).code === 'invalid_charge_status') {
        expect(error).toBeInstanceOf(InvalidChargeStatus);
        expect(error.message).toContain(`in status ${(error as InvalidChargeStatus).currentStatus}`);
      } else {
        expect(error).toBeInstanceOf(NothingToCapture);
      }
    },
  );

  it.each(cells.filter((c) => c.expected === 'ok'))('$fixture × $command is accepted', ({ fixture, command }) => {
    const { state } = FIXTURES[fixture]();
    expect(decide(COMMANDS[command](), state, ACT_AT).length).toBeGreaterThan(0);
  });

  it('covers every fixture with the status it claims', () => {
    const actual = Object.fromEntries(
      (Object.keys(FIXTURES) as FixtureName[]).map((name) => [name, FIXTURES[name]().state.status]),
    );
    expect(actual).toEqual({
      NEW: 'NEW',
      AUTHENTICATION_PENDING: 'AUTHENTICATION_PENDING',
      AUTHORIZATION_PROCESSING: 'AUTHORIZATION_PROCESSING',
      AUTHORIZATION_ASYNC: 'AUTHORIZATION_ASYNC',
      CAPTURE_PENDING: 'CAPTURE_PENDING',
      'CAPTURE_PROCESSING (merchant capture)': 'CAPTURE_PROCESSING',
      'CAPTURE_PROCESSING (automatic capture)': 'CAPTURE_PROCESSING',
      VOID_PROCESSING: 'VOID_PROCESSING',
      'CAPTURED (partly)': 'CAPTURED',
      'CAPTURED (fully)': 'CAPTURED',
      'REFUND_PROCESSING (partly captured)': 'REFUND_PROCESSING',
      'REFUNDED (partly captured)': 'REFUNDED',
      'REFUNDED (fully captured)': 'REFUNDED',
      FAILED: 'FAILED',
      VOIDED: 'VOIDED',
    });
    expect(openAmount(charge(FIXTURES['CAPTURED (partly)']().state))).toBe(600);
    expect(openAmount(charge(FIXTURES['CAPTURED (fully)']().state))).toBe(0);
  });

  it.each<ChargeCommand>([
    expireAuthentication,
    resolve(authorizedOutcome()),
    requestVoid('CAPTURE_WINDOW_EXPIRED'),
    captureAnswer('cap_1'),
    voidAnswer('void_1'),
    refundRequested('refund_1', 100),
  ])('refuses $type on a charge that does not exist (NEW)', (command) => {
    expect(refusal(() => decide(command, initialState, ACT_AT))).toMatchObject({
      code: 'invalid_charge_status',
      currentStatus: 'NEW',
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// RecordRefundProgress (the refunds service's events, recorded on the charge)
// ---------------------------------------------------------------------------------------------------------------

describe('RecordRefundProgress (refunds and chargebacks recorded on the charge)', () => {
  const AT = after(2 * DAY);

  it('records a partial refund: REFUND_PROCESSING while pending, back to CAPTURED once it succeeds', () => {
    const captured = automaticCaptured();
    const requested = when(captured, refundRequested('refund_1', 300), AT);
    expect(requested.events).toEqual([
      {
        type: 'ChargeRefundPending',
        data: { historyId: expect.stringMatching(HISTORY_ID), at: iso(AT), refundId: 'refund_1', amount: 300 },
      },
    ]);
    expect(charge(requested.state)).toMatchObject({
      status: 'REFUND_PROCESSING',
      refunds: [{ id: 'refund_1', amount: 300, status: 'REFUND_PENDING', createdAt: iso(AT), updatedAt: iso(AT) }],
    });

    // The provider settles later: still pending on the charge, nothing to record.
    expect(decide(refundPendingAtProvider('refund_1', 300), requested.state, AT)).toEqual([]);

    const settled = when(requested, refundSucceeded('refund_1', 300), after(DAY, AT));
    expect(settled.events).toEqual([
      {
        type: 'ChargeRefundSucceeded',
        data: {
          historyId: expect.stringMatching(HISTORY_ID),
          at: iso(after(DAY, AT)),
          refundId: 'refund_1',
          amount: 300,
        },
      },
    ]);
    const state = charge(settled.state);
    expect(state.status).toBe('CAPTURED');
    expect(state.refunds).toEqual([
      { id: 'refund_1', amount: 300, status: 'SUCCEEDED', createdAt: iso(AT), updatedAt: iso(after(DAY, AT)) },
    ]);
    expect(statuses(state).slice(-3)).toEqual(['CAPTURED', 'REFUND_PROCESSING', 'CAPTURED']);
    expect(state.history.at(-1)!.createdAt).toBe(iso(after(DAY, AT)));
  });

  it('is REFUNDED once the refunds that succeeded add up to all that was captured', () => {
    const run = given(
      [
        [[refundRequested('refund_1', 300), refundSucceeded('refund_1')], AT],
        [[refundRequested('refund_2', 700), refundSucceeded('refund_2')], after(DAY, AT)],
      ],
      automaticCaptured(),
    );
    expect(charge(run.state).status).toBe('REFUNDED');
    expect(statuses(run.state).slice(-5)).toEqual([
      'CAPTURED',
      'REFUND_PROCESSING',
      'CAPTURED',
      'REFUND_PROCESSING',
      'REFUNDED',
    ]);
    expect(toPaymentChargeResource(charge(run.state)).refunds).toMatchObject([
      { id: 'refund_1', amount: 300, status: 'SUCCEEDED' },
      { id: 'refund_2', amount: 700, status: 'SUCCEEDED' },
    ]);
  });

  it('counts only captures the provider answered: a partly captured charge is REFUNDED when its capture is', () => {
    const run = given([[[refundRequested('refund_1', 400), refundSucceeded('refund_1')], AT]], partlyCaptured());
    expect(charge(run.state).status).toBe('REFUNDED');
  });

  it('goes back to CAPTURED when a refund fails (nothing else pending), and shows it FAILED', () => {
    const run = given([[[refundRequested('refund_1', 1000), refundFailed('refund_1', 1000)], AT]], automaticCaptured());
    const state = charge(run.state);
    expect(types(run.events).slice(-2)).toEqual(['ChargeRefundPending', 'ChargeRefundFailed']);
    expect(run.events.at(-1)).toMatchObject({
      type: 'ChargeRefundFailed',
      data: { refundId: 'refund_1', amount: 1000, failure: REFUND_DECLINED },
    });
    expect(state.status).toBe('CAPTURED');
    expect(state.refunds).toMatchObject([{ id: 'refund_1', status: 'FAILED' }]);
    expect(statuses(state).slice(-2)).toEqual(['REFUND_PROCESSING', 'CAPTURED']);
  });

  it('stays REFUND_PROCESSING while another refund is pending, without a history entry for the one that settled', () => {
    const two = given(
      [[[refundRequested('refund_1', 100), refundRequested('refund_2', 200)], AT]],
      automaticCaptured(),
    );
    const historyBefore = charge(two.state).history.length;
    const one = when(two, refundSucceeded('refund_1'), after(MINUTE, AT));
    expect(charge(one.state).status).toBe('REFUND_PROCESSING');
    expect(charge(one.state).history).toHaveLength(historyBefore);
    expect(charge(one.state).updatedAt).toBe(iso(after(MINUTE, AT)));
    const both = when(one, refundFailed('refund_2'), after(2 * MINUTE, AT));
    expect(charge(both.state).status).toBe('CAPTURED');
  });

  it('records each step once: a repeat, a second outcome or a step of a refund it never learnt of records nothing', () => {
    const pending = given([[refundRequested('refund_1', 300), AT]], automaticCaptured());
    const settled = given([[refundSucceeded('refund_1'), AT]], pending);
    expect(decide(refundRequested('refund_1', 300), pending.state, AT)).toEqual([]);
    expect(decide(refundRequested('refund_1', 300), settled.state, AT)).toEqual([]);
    expect(decide(refundSucceeded('refund_1'), settled.state, AT)).toEqual([]);
    expect(decide(refundFailed('refund_1'), settled.state, AT)).toEqual([]);
    expect(decide(refundPendingAtProvider('refund_1'), settled.state, AT)).toEqual([]);
    for (const unknown of [
      refundSucceeded('refund_x'),
      refundFailed('refund_x'),
      refundPendingAtProvider('refund_x'),
    ]) {
      expect(decide(unknown, settled.state, AT)).toEqual([]);
    }
    const opened = given([[chargebackOpened('cb_1', 200), AT]], settled);
    const resolved = given([[chargebackResolved('cb_1', 'LOST'), AT]], opened);
    expect(decide(chargebackOpened('cb_1', 200), opened.state, AT)).toEqual([]);
    expect(decide(chargebackResolved('cb_1', 'WON'), resolved.state, AT)).toEqual([]);
    expect(decide(chargebackResolved('cb_x', 'WON'), resolved.state, AT)).toEqual([]);
  });

  it('records chargebacks with amount and reason, and their outcome; the charge status stays as it is', () => {
    const opened = given([[chargebackOpened('cb_1', 250, 'fraudulent'), AT]], automaticCaptured());
    expect(opened.events.at(-1)).toEqual({
      type: 'ChargeChargebackOpened',
      data: {
        historyId: expect.stringMatching(HISTORY_ID),
        at: iso(AT),
        chargebackId: 'cb_1',
        amount: 250,
        reason: 'fraudulent',
      },
    });
    const resolved = when(opened, chargebackResolved('cb_1', 'WON', 250), after(DAY, AT));
    expect(resolved.events).toEqual([
      {
        type: 'ChargeChargebackResolved',
        data: {
          historyId: expect.stringMatching(HISTORY_ID),
          at: iso(after(DAY, AT)),
          chargebackId: 'cb_1',
          amount: 250,
          outcome: 'WON',
        },
      },
    ]);
    const state = charge(resolved.state);
    expect(state.status).toBe('CAPTURED');
    expect(statuses(state)).toEqual(statuses(automaticCaptured().state));
    expect(toPaymentChargeResource(state).chargebacks).toEqual([
      {
        id: 'cb_1',
        amount: 250,
        status: 'WON',
        reason: 'fraudulent',
        createdAt: iso(AT),
        updatedAt: iso(after(DAY, AT)),
      },
    ]);
  });

  it('records several steps in one command as one by one; repeats in the command or after it record nothing', () => {
    const steps = [
      refundRequested('refund_1', 300),
      refundRequested('refund_1', 300),
      refundPendingAtProvider('refund_1', 300),
      refundSucceeded('refund_1', 300),
      refundRequested('refund_2', 700),
      chargebackOpened('cb_1', 100),
      refundSucceeded('refund_1', 300),
      refundFailed('refund_2', 700),
    ];
    const command = progressOf(steps);
    const batch = when(automaticCaptured(), command, AT);
    const oneByOne = when(automaticCaptured(), steps, AT);
    expect(types(batch.events)).toEqual([
      'ChargeRefundPending',
      'ChargeRefundSucceeded',
      'ChargeRefundPending',
      'ChargeChargebackOpened',
      'ChargeRefundFailed',
    ]);
    expect(withoutHistoryIds(batch)).toEqual(withoutHistoryIds(oneByOne));
    expect(batch.events.every((e) => HISTORY_ID.test(e.data.historyId))).toBe(true);
    expect(new Set(batch.events.map((e) => e.data.historyId)).size).toBe(batch.events.length);
    expect(charge(batch.state).status).toBe('CAPTURED');

    // Each recorded event names the step it records: the first delivery of each.
    expect(refundStepsRecorded(batch.events, command.events)).toEqual([0, 3, 4, 5, 7]);

    // The same batch again, or any of its steps, records nothing.
    expect(decide(command, batch.state, after(MINUTE, AT))).toEqual([]);
    for (const step of steps) expect(decide(step, batch.state, after(MINUTE, AT))).toEqual([]);
    expect(decide(progressOf([]), batch.state, AT)).toEqual([]);
  });

  it('refuses a refund step for a charge that does not exist', () => {
    expect(refusal(() => decide(refundSucceeded('refund_1'), initialState, AT))).toBeInstanceOf(InvalidChargeStatus);
  });

  it('lets the rest of a partly captured charge be captured while a refund is pending, and stays REFUND_PROCESSING', () => {
    const run = given(
      [
        [refundRequested('refund_1', 100), AT],
        [captureCharge(300), after(MINUTE, AT)],
      ],
      partlyCaptured(),
    );
    expect(types(run.events).slice(-2)).toEqual(['ChargeCaptureRequested', 'ChargeCaptured']);
    expect(charge(run.state).status).toBe('REFUND_PROCESSING');
    expect(capturedAmount(charge(run.state))).toBe(700);
    const settled = given([[refundSucceeded('refund_1'), after(2 * MINUTE, AT)]], run);
    expect(charge(settled.state).status).toBe('CAPTURED');
  });

  it('takes a REFUNDED charge back to CAPTURED when more of it is captured; its rest can be released', () => {
    const refunded = given([[[refundRequested('refund_1', 400), refundSucceeded('refund_1')], AT]], partlyCaptured());
    const moreCaptured = given([[captureCharge(100), after(MINUTE, AT)]], refunded);
    expect(charge(moreCaptured.state).status).toBe('CAPTURED');

    const released = given([[voidCharge(), after(MINUTE, AT)]], refunded);
    expect(types(released.events).slice(-2)).toEqual(['ChargeVoidRequested', 'ChargeVoided']);
    expect(charge(released.state).status).toBe('REFUNDED');
    expect(openAmount(charge(released.state))).toBe(0);
  });

  it('releases what is still open when the capture window closes on a REFUND_PROCESSING or REFUNDED charge', () => {
    const pending = given([[refundRequested('refund_1', 100), AT]], partlyCaptured());
    const refunded = given(
      [[refundSucceeded('refund_1'), AT]],
      given([[refundRequested('refund_1', 400), AT]], partlyCaptured()),
    );
    for (const run of [pending, refunded]) {
      const events = decide(requestVoid('CAPTURE_WINDOW_EXPIRED', 'void_w'), run.state, CAPTURE_DEADLINE);
      expect(events).toMatchObject([{ type: 'ChargeVoidRequested', data: { amount: 600 } }]);
    }
  });

  it('folds a state stored before refunds existed (no refunds[] or chargebacks[]) and shows both empty', () => {
    const { refunds: _refunds, chargebacks: _chargebacks, ...stored } = charge(automaticCaptured().state);
    const legacy = stored as ExistingCharge;
    expect(toPaymentChargeResource(legacy)).toMatchObject({ refunds: [], chargebacks: [] });
    const run = given(
      [[[refundRequested('refund_1', 1000), refundSucceeded('refund_1'), chargebackOpened('cb_1', 10)], AT]],
      { state: legacy, events: [] },
    );
    expect(charge(run.state)).toMatchObject({
      status: 'REFUNDED',
      refunds: [{ id: 'refund_1', status: 'SUCCEEDED' }],
      chargebacks: [{ id: 'cb_1', status: 'OPEN' }],
    });
  });

  it('rebuilds the same state from the stored stream as the command-by-command run', () => {
    const run = given(
      [
        [[refundRequested('refund_1', 300), refundFailed('refund_1')], AT],
        [[refundRequested('refund_2', 300), chargebackOpened('cb_1', 100)], after(DAY, AT)],
        [[refundSucceeded('refund_2'), chargebackResolved('cb_1', 'LOST')], after(2 * DAY, AT)],
      ],
      automaticCaptured(),
    );
    expect(fold(chargeDecider, run.events)).toEqual(run.state);
    expect(JSON.parse(JSON.stringify(run.state))).toEqual(run.state);
  });

  describe('property: any sequence of refund and chargeback steps, delivered at least once', () => {
    type Step =
      | { kind: 'request'; amount: number }
      | { kind: 'providerPending'; pick: number }
      | { kind: 'succeed'; pick: number }
      | { kind: 'fail'; pick: number }
      | { kind: 'openChargeback'; amount: number }
      | { kind: 'resolveChargeback'; pick: number; outcome: 'WON' | 'LOST' };
    const pick = fc.nat(20);
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('request' as const), amount: fc.integer({ min: 1, max: 600 }) }),
      fc.record({ kind: fc.constant('providerPending' as const), pick }),
      fc.record({ kind: fc.constant('succeed' as const), pick }),
      fc.record({ kind: fc.constant('fail' as const), pick }),
      fc.record({ kind: fc.constant('openChargeback' as const), amount: fc.integer({ min: 1, max: 300 }) }),
      fc.record({
        kind: fc.constant('resolveChargeback' as const),
        pick,
        outcome: fc.constantFrom('WON' as const, 'LOST' as const),
      }),
    );

    it('keeps the status the refunds give, records each step once, and a redelivery of everything records nothing', () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 25 }), fc.array(fc.boolean(), { maxLength: 25 }), (steps, repeats) => {
          let run = automaticCaptured();
          const historyBefore = charge(run.state).history.length;
          const refundIds: string[] = [];
          const chargebackIds: string[] = [];
          const delivered: ChargeCommand[] = [];
          // The refunds service's events as it would record them: ids used once, outcomes any (the charge must cope).
          steps.forEach((s, i) => {
            const id = (ids: string[], p: number) => ids[p % (ids.length + 1)] ?? 'unknown';
            let command: ChargeCommand;
            switch (s.kind) {
              case 'request':
                refundIds.push(`refund_${i}`);
                command = refundRequested(`refund_${i}`, s.amount);
                break;
              case 'providerPending':
                command = refundPendingAtProvider(id(refundIds, s.pick));
                break;
              case 'succeed':
                command = refundSucceeded(id(refundIds, s.pick));
                break;
              case 'fail':
                command = refundFailed(id(refundIds, s.pick));
                break;
              case 'openChargeback':
                chargebackIds.push(`cb_${i}`);
                command = chargebackOpened(`cb_${i}`, s.amount);
                break;
              case 'resolveChargeback':
                command = chargebackResolved(id(chargebackIds, s.pick), s.outcome);
                break;
            }
            delivered.push(command);
            run = given([[command, after(i * MINUTE, AT)]], run);
            // At least once: some steps come again right away, and record nothing.
            if (repeats[i]) expect(decide(command, run.state, AT)).toEqual([]);
          });

          const state = charge(run.state);
          const refunds = state.refunds;
          const pendingCount = refunds.filter((r) => r.status === 'REFUND_PENDING').length;
          const refunded = refunds.filter((r) => r.status === 'SUCCEEDED').reduce((t, r) => t + r.amount, 0);
          const expected = pendingCount > 0 ? 'REFUND_PROCESSING' : refunded >= 1000 ? 'REFUNDED' : 'CAPTURED';
          expect(state.status).toBe(expected);
          expect(refunds.map((r) => r.id)).toEqual(refundIds);
          expect(state.chargebacks.map((c) => c.id)).toEqual(chargebackIds);

          // Each refund: one pending event, at most one outcome; each chargeback: opened once, resolved at most once.
          const count = (type: ChargeEventType, key: 'refundId' | 'chargebackId', id: string) =>
            run.events.filter((e) => e.type === type && (e.data as unknown as Record<string, unknown>)[key] === id)
              .length;
          for (const id of refundIds) {
            expect(count('ChargeRefundPending', 'refundId', id)).toBe(1);
            expect(
              count('ChargeRefundSucceeded', 'refundId', id) + count('ChargeRefundFailed', 'refundId', id),
            ).toBeLessThanOrEqual(1);
          }
          for (const id of chargebackIds) {
            expect(count('ChargeChargebackOpened', 'chargebackId', id)).toBe(1);
            expect(count('ChargeChargebackResolved', 'chargebackId', id)).toBeLessThanOrEqual(1);
          }

          // History: one entry per status change, never two alike in a row.
          const added = statuses(state).slice(historyBefore - 1);
          added.slice(1).forEach((status, i) => expect(status).not.toBe(added[i]));

          // Kafka redelivers the whole stream: nothing more is recorded.
          for (const command of delivered) expect(decide(command, run.state, AT)).toEqual([]);
          expect(decide(progressOf(delivered as RecordRefundProgress[]), run.state, AT)).toEqual([]);
          expect(fold(chargeDecider, run.events)).toEqual(run.state);
        }),
        { numRuns: 300 },
      );
    });

    it('records the same events, in the same order, with the steps of a batch as one command as one by one', () => {
      fc.assert(
        fc.property(
          fc.array(step, { maxLength: 25 }),
          fc.array(fc.nat(6), { maxLength: 25 }),
          fc.array(fc.nat(30), { maxLength: 10 }),
          (steps, batchSizes, redelivered) => {
            const refundIds: string[] = [];
            const chargebackIds: string[] = [];
            const id = (ids: string[], p: number) => ids[p % (ids.length + 1)] ?? 'unknown';
            const commands = steps.map((s, i): RecordRefundProgress => {
              switch (s.kind) {
                case 'request':
                  refundIds.push(`refund_${i}`);
                  return refundRequested(`refund_${i}`, s.amount);
                case 'providerPending':
                  return refundPendingAtProvider(id(refundIds, s.pick));
                case 'succeed':
                  return refundSucceeded(id(refundIds, s.pick));
                case 'fail':
                  return refundFailed(id(refundIds, s.pick));
                case 'openChargeback':
                  chargebackIds.push(`cb_${i}`);
                  return chargebackOpened(`cb_${i}`, s.amount);
                case 'resolveChargeback':
                  return chargebackResolved(id(chargebackIds, s.pick), s.outcome);
              }
            });
            // At least once: some steps come again, later in the same batch or in a later one.
            const deliveries = [...commands];
            for (const r of redelivered) {
              if (commands.length > 0) deliveries.splice(r % (deliveries.length + 1), 0, commands[r % commands.length]);
            }

            // One by one, each recorded event's step (its index in the deliveries).
            let oneByOne = automaticCaptured();
            const start = oneByOne.events.length;
            const causes: number[] = [];
            deliveries.forEach((command, i) => {
              const before = oneByOne.events.length;
              oneByOne = given([[command, AT]], oneByOne);
              for (let e = before; e < oneByOne.events.length; e++) causes.push(i);
            });

            // In batches: each batch one command.
            let batched = automaticCaptured();
            const batchedCauses: number[] = [];
            for (let from = 0, b = 0; from < deliveries.length; b++) {
              const size = Math.max(1, batchSizes[b] ?? deliveries.length);
              const batch = deliveries.slice(from, from + size);
              const command = progressOf(batch);
              const events = decide(command, batched.state, AT);
              batchedCauses.push(...refundStepsRecorded(events, command.events).map((i) => from + i));
              batched = { state: events.reduce(evolve, batched.state), events: [...batched.events, ...events] };
              from += batch.length;
            }

            expect(withoutHistoryIds(batched.events)).toEqual(withoutHistoryIds(oneByOne.events));
            expect(withoutHistoryIds(batched.state)).toEqual(withoutHistoryIds(oneByOne.state));
            expect(batchedCauses).toEqual(causes);
            const historyIds = charge(batched.state).history.map((h) => h.id);
            expect(new Set(historyIds).size).toBe(historyIds.length);
            expect(batched.events.length - start).toBe(causes.length);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// evolve
// ---------------------------------------------------------------------------------------------------------------

describe('evolve', () => {
  /** One event of every type, as a partly captured MANUAL charge with a void and a failure would have them. */
  function oneOfEach(): ChargeEvent[] {
    const captured = given([[captureCharge(400), after(DAY)]], manualAuthorized());
    const voided = given([[voidCharge(), after(2 * DAY)]], captured);
    const pending = awaitingAsync();
    const declined = given([[resolve(declinedOutcome()), after(DAY)]], pending);
    const canceled = given([[cancel(), APPROVED_AT]], created());
    const refusedCapture = given(
      [[[requestCapture(100, 'cap_r'), captureRefusal('cap_r')], after(DAY)]],
      manualAuthorized(),
    );
    const refusedVoid = given(
      [[[requestVoid('MERCHANT_REQUESTED', 'void_r'), voidRefusal('void_r')], after(DAY)]],
      manualAuthorized(),
    );
    const refunded = given(
      [
        [[refundRequested('refund_1', 100), refundSucceeded('refund_1')], after(2 * DAY)],
        [[refundRequested('refund_2', 100), refundFailed('refund_2')], after(2 * DAY)],
        [[chargebackOpened('cb_1', 200), chargebackResolved('cb_1', 'WON')], after(3 * DAY)],
      ],
      automaticCaptured(),
    );
    const all = [
      ...voided.events,
      ...refunded.events,
      ...declined.events,
      ...canceled.events,
      ...refusedCapture.events,
      ...refusedVoid.events,
    ];
    const byType = new Map<ChargeEventType, ChargeEvent>();
    for (const event of all) if (!byType.has(event.type)) byType.set(event.type, event);
    return [...byType.values()];
  }

  it('has an example of every event type', () => {
    expect(new Set(types(oneOfEach()))).toEqual(new Set(Object.keys(CHARGE_EVENT_SCHEMA_VERSIONS)));
  });

  it('is total: every event but ChargeCreated leaves a NEW state as it is, without throwing', () => {
    const events = oneOfEach().filter((e) => e.type !== 'ChargeCreated');
    expect(events).toHaveLength(Object.keys(CHARGE_EVENT_SCHEMA_VERSIONS).length - 1);
    for (const event of events) {
      expect(() => evolve(initialState, event)).not.toThrow();
      expect(evolve(initialState, event)).toBe(initialState);
    }
  });

  it('leaves the state as it is for an event type it does not know (written by a newer version)', () => {
    const { state } = manualAuthorized();
    expect(evolve(state, { type: 'ChargeRefunded', data: {} } as unknown as ChargeEvent)).toBe(state);
  });

  it('never changes the state it is given (folding is replayable)', () => {
    const run = manualAuthorized();
    const frozen = structuredClone(run.state);
    deepFreeze(run.state);
    const [requested] = decide(requestCapture(400), run.state, after(DAY));
    expect(() => evolve(run.state, requested)).not.toThrow();
    const processing = evolve(run.state, requested);
    const [captured] = decide(captureAnswer('cap_400'), processing, after(DAY));
    expect(() => evolve(deepFreeze(processing), captured)).not.toThrow();
    expect(run.state).toEqual(frozen);
  });

  it('rebuilds the same state from the stored stream (fold) as the command-by-command run', () => {
    const run = given(
      [
        [captureCharge(100), after(DAY)],
        [requestCapture(200), after(2 * DAY)],
        [requestVoid(), after(3 * DAY)],
        [captureAnswer('cap_200'), after(3 * DAY)],
        [voidAnswer('void_1'), after(4 * DAY)],
      ],
      manualAuthorized(),
    );
    expect(fold(chargeDecider, run.events)).toEqual(run.state);
    // The state is JSON-safe: read models store it as is.
    expect(JSON.parse(JSON.stringify(run.state))).toEqual(run.state);
  });

  it('folds a stream recorded before intents existed (outcomes without intents)', () => {
    const legacy = [
      ...created({ captureMethod: 'MANUAL' }).events,
      ...automaticCaptured().events.filter((e) => e.type === 'ChargeAuthenticationCompleted'),
    ];
    const at = iso(APPROVED_AT);
    const state = charge(
      fold(chargeDecider, [
        ...legacy,
        {
          type: 'ChargeAuthorized',
          data: {
            historyId: 'hist_a',
            at,
            authorizationId: 'auth_1',
            amount: 1000,
            providerReference: 'S01-A',
            captureExpiresAt: iso(CAPTURE_DEADLINE),
          },
        },
        {
          type: 'ChargeCaptured',
          data: { historyId: 'hist_c', at, captureId: 'cap_1', amount: 400, providerReference: 'S01-C' },
        },
        {
          type: 'ChargeVoided',
          data: {
            historyId: 'hist_v',
            at,
            voidId: 'void_1',
            amount: 600,
            reason: 'MERCHANT_REQUESTED',
            providerReference: 'S01-V',
          },
        },
      ]),
    );
    expect(state.status).toBe('CAPTURED');
    expect(state.authorizations).toMatchObject([
      { id: 'auth_1', status: 'AUTHORIZED', captureNow: null, createdAt: at },
    ]);
    expect(state.captures).toMatchObject([{ id: 'cap_1', status: 'CAPTURED', createdAt: at }]);
    expect(state.voids).toMatchObject([{ id: 'void_1', status: 'VOIDED', createdAt: at }]);
    expect(openAmount(state)).toBe(0);
    expect(pendingProviderCalls(state)).toEqual([]);
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// chargeDecider with the command loop
// ---------------------------------------------------------------------------------------------------------------

/** A provider for the command loop that answers every call, and records the calls and keys it was asked. */
function scriptedProvider(options: { failFirst?: number } = {}) {
  const asked: ChargeProviderCall[] = [];
  let failures = options.failFirst ?? 0;
  const calls: OutsideCalls<ChargeCommand, ChargeState, ChargeProviderCall, unknown> = {
    pending: pendingProviderCalls,
    perform: async (call) => {
      asked.push(call);
      if (failures > 0) {
        failures--;
        throw new Error('provider unavailable (simulated)');
      }
      switch (call.kind) {
        case 'authorize':
          return authorizedOutcome(
            `S01-A-${call.idempotencyKey}`,
            call.captureNow ? { providerReference: `S01-C-${call.captureNow.captureId}` } : null,
          );
        case 'capture':
          return { providerReference: `S01-C-${call.idempotencyKey}` };
        case 'void':
          return { providerReference: `S01-V-${call.idempotencyKey}` };
      }
    },
    record: (call, answer): ChargeCommand => {
      switch (call.kind) {
        case 'authorize':
          return authorizationAnswer(answer as AuthorizationOutcome, call.authorizationId);
        case 'capture':
          return { type: 'RecordCaptureOutcome', captureId: call.captureId, result: answer as ProviderResult };
        case 'void':
          return { type: 'RecordVoidOutcome', voidId: call.voidId, result: answer as ProviderResult };
      }
    },
  };
  return { asked, calls: calls as OutsideCalls<ChargeCommand, ChargeState, unknown, unknown> };
}

describe('chargeDecider', () => {
  it('is initialState, evolve and decide, writing ChargeCreated at schema version 2 and every other event at 1', () => {
    expect(chargeDecider.initialState).toEqual({ status: 'NEW' });
    expect(chargeDecider.evolve).toBe(evolve);
    expect(chargeDecider.decide).toBe(decide);
    expect(chargeDecider.schemaVersions).toEqual({
      ChargeCreated: 2,
      ChargeAuthenticationCompleted: 1,
      ChargeAuthenticationFailed: 1,
      ChargeAuthorizationRequested: 1,
      ChargeAuthorizationPending: 1,
      ChargeAuthorized: 1,
      ChargeAuthorizationDeclined: 1,
      ChargeCaptureRequested: 1,
      ChargeCaptured: 1,
      ChargeCaptureFailed: 1,
      ChargeVoidRequested: 1,
      ChargeVoided: 1,
      ChargeVoidFailed: 1,
      ChargeRefundPending: 1,
      ChargeRefundSucceeded: 1,
      ChargeRefundFailed: 1,
      ChargeChargebackOpened: 1,
      ChargeChargebackResolved: 1,
    });
  });

  it('names a charge’s stream charge:<chargeId>', () => {
    expect(chargeStreamId('charge_1')).toBe('charge:charge_1');
  });

  it('runs create → approve → capture through handleCommand, calling the provider with the operation ids as keys; a retried create appends nothing', async () => {
    const store = new InMemoryEventStore();
    const streamId = chargeStreamId('charge_1');
    const provider = scriptedProvider();
    const run = (command: ChargeCommand, now: Date) =>
      handleCommand(store, streamId, chargeDecider, command, { now: () => now, outsideCalls: provider.calls });

    await run(createCharge({ captureMethod: 'MANUAL' }), T0);
    const approved = await run(approval(), APPROVED_AT);
    const retried = await run(createCharge({ captureMethod: 'MANUAL' }), after(2 * MINUTE));
    const captured = await run(requestCapture(1000, 'cap_1'), after(DAY));

    expect(types(approved.newEvents)).toEqual([
      'ChargeAuthenticationCompleted',
      'ChargeAuthorizationRequested',
      'ChargeAuthorized',
    ]);
    expect(retried.newEvents).toEqual([]);
    expect(retried.version).toBe(4);
    expect(captured.version).toBe(6);
    expect(provider.asked.map((c) => [c.kind, c.idempotencyKey])).toEqual([
      ['authorize', 'auth_1'],
      ['capture', 'cap_1'],
    ]);
    const stored = await store.readStream(streamId);
    expect(stored.map((e) => [e.type, e.streamVersion, e.schemaVersion])).toEqual([
      ['ChargeCreated', 1, 2],
      ['ChargeAuthenticationCompleted', 2, 1],
      ['ChargeAuthorizationRequested', 3, 1],
      ['ChargeAuthorized', 4, 1],
      ['ChargeCaptureRequested', 5, 1],
      ['ChargeCaptured', 6, 1],
    ]);
    expect(fold(chargeDecider, stored as unknown as ChargeEvent[])).toEqual(captured.state);
    expect(charge(captured.state).status).toBe('CAPTURED');
    expect(charge(captured.state).captures).toMatchObject([{ id: 'cap_1', providerReference: 'S01-C-cap_1' }]);
    expect(pendingProviderCalls(captured.state)).toEqual([]);
  });

  it('leaves the intent pending when the call fails; a retry makes the same call with the same key and records it once', async () => {
    const store = new InMemoryEventStore();
    const streamId = chargeStreamId('charge_1');
    const provider = scriptedProvider({ failFirst: 1 });
    const options = { now: () => APPROVED_AT, outsideCalls: provider.calls };
    await handleCommand(store, streamId, chargeDecider, createCharge(), { now: () => T0 });

    const failed = await handleCommand(store, streamId, chargeDecider, approval(), options);
    expect(types(failed.newEvents)).toEqual(['ChargeAuthenticationCompleted', 'ChargeAuthorizationRequested']);
    expect(pendingProviderCalls(failed.state).map((c) => c.idempotencyKey)).toEqual(['auth_1']);

    const retried = await runPendingCalls(store, streamId, chargeDecider, provider.calls, {
      now: () => after(10_000, APPROVED_AT),
    });
    expect(types(retried.newEvents)).toEqual(['ChargeAuthorized', 'ChargeCaptured']);
    expect(charge(retried.state).status).toBe('CAPTURED');
    // A second retry (a timer that fires late) finds nothing to call.
    const again = await runPendingCalls(store, streamId, chargeDecider, provider.calls, {
      now: () => after(20_000, APPROVED_AT),
    });
    expect(again.newEvents).toEqual([]);
    expect(provider.asked.map((c) => c.idempotencyKey)).toEqual(['auth_1', 'auth_1']);
    expect(store.version(streamId)).toBe(5);
  });

  it('surfaces a refusal from handleCommand without writing or calling', async () => {
    const store = new InMemoryEventStore();
    const streamId = chargeStreamId('charge_1');
    const provider = scriptedProvider();
    await handleCommand(store, streamId, chargeDecider, createCharge(), { now: () => T0 });
    await expect(
      handleCommand(store, streamId, chargeDecider, requestCapture(100), {
        now: () => APPROVED_AT,
        outsideCalls: provider.calls,
      }),
    ).rejects.toBeInstanceOf(InvalidChargeStatus);
    expect(store.version(streamId)).toBe(1);
    expect(provider.asked).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// API representation
// ---------------------------------------------------------------------------------------------------------------

describe('toPaymentChargeResource', () => {
  const OPERATION_KEYS = ['amount', 'createdAt', 'id', 'status', 'updatedAt'];

  it('has seed 001’s response keys', () => {
    const resource = toPaymentChargeResource(charge(created().state));
    expect(Object.keys(resource).sort()).toEqual(
      [
        'id',
        'status',
        'paymentMethod',
        'amount',
        'currency',
        'country',
        'consumer',
        'captureMethod',
        'merchantPaymentChargeReference',
        'webhooksUrl',
        'agreementId',
        'instrumentId',
        'authenticationMethods',
        'authorizations',
        'captures',
        'refunds',
        'voids',
        'chargebacks',
        'history',
        'failure',
        'createdAt',
        'updatedAt',
      ].sort(),
    );
  });

  it('shows a new charge as seed 001 does: REDIRECT authentication, amount, currency, consumer, history', () => {
    const resource = toPaymentChargeResource(charge(created().state));
    expect(resource).toMatchObject({
      id: 'charge_1',
      status: 'AUTHENTICATION_PENDING',
      paymentMethod: 'AMAZON_PAY',
      amount: { value: 1000, currency: 'USD' },
      currency: 'USD',
      country: 'US',
      consumer: { name: 'John Smith', country: 'US' },
      authenticationMethods: [
        { type: 'REDIRECT', details: { requestUrl: 'https://sandbox.test/x', requestMethod: 'GET' } },
      ],
      authorizations: [],
      captures: [],
      refunds: [],
      voids: [],
      chargebacks: [],
      history: [{ id: expect.stringMatching(HISTORY_ID), status: 'AUTHENTICATION_PENDING', createdAt: iso(T0) }],
      failure: null,
      createdAt: iso(T0),
      updatedAt: iso(T0),
    });
    expect(Object.keys(resource.authenticationMethods[0].details).sort()).toEqual(['requestMethod', 'requestUrl']);
    expect(Object.keys(resource.amount).sort()).toEqual(['currency', 'value']);
  });

  it('lists authorizations, captures and voids with seed 001’s operation keys and no provider references', () => {
    const state = charge(
      given(
        [
          [captureCharge(400), after(DAY)],
          [voidCharge(), after(2 * DAY)],
        ],
        manualAuthorized(),
      ).state,
    );
    const resource = toPaymentChargeResource(state);

    expect(resource.status).toBe('CAPTURED');
    expect(resource.authorizations).toEqual([
      { id: 'auth_1', amount: 1000, status: 'AUTHORIZED', createdAt: iso(APPROVED_AT), updatedAt: iso(APPROVED_AT) },
    ]);
    expect(resource.captures).toEqual([
      { id: 'cap_400', amount: 400, status: 'CAPTURED', createdAt: iso(after(DAY)), updatedAt: iso(after(DAY)) },
    ]);
    expect(resource.voids).toEqual([
      {
        id: 'void_1',
        amount: 600,
        status: 'VOIDED',
        reason: 'MERCHANT_REQUESTED',
        createdAt: iso(after(2 * DAY)),
        updatedAt: iso(after(2 * DAY)),
      },
    ]);
    for (const operation of [...resource.authorizations, ...resource.captures]) {
      expect(Object.keys(operation).sort()).toEqual(OPERATION_KEYS);
    }
    expect(Object.keys(resource.voids[0]).sort()).toEqual([...OPERATION_KEYS, 'reason'].sort());
    expect(resource.history.map((h) => h.status)).toEqual(statuses(state));
    expect(JSON.stringify(resource)).not.toContain('S01-');
  });

  it('shows operations under way as PROCESSING, without the capture-now intent', () => {
    const resource = toPaymentChargeResource(
      charge(given([[authorizationAnswer(authorizedOutcome()), APPROVED_AT]], authorizing()).state),
    );
    expect(resource.status).toBe('CAPTURE_PROCESSING');
    expect(resource.authorizations).toEqual([
      { id: 'auth_1', amount: 1000, status: 'AUTHORIZED', createdAt: iso(APPROVED_AT), updatedAt: iso(APPROVED_AT) },
    ]);
    expect(resource.captures).toEqual([
      { id: 'cap_auto', amount: 1000, status: 'PROCESSING', createdAt: iso(APPROVED_AT), updatedAt: iso(APPROVED_AT) },
    ]);
    expect(toPaymentChargeResource(charge(authorizing().state)).authorizations).toMatchObject([
      { status: 'PROCESSING' },
    ]);
  });

  it('shows the failure of a failed charge', () => {
    const resource = toPaymentChargeResource(
      charge(given([[approve(declinedOutcome()), APPROVED_AT]], created()).state),
    );
    expect(resource.status).toBe('FAILED');
    expect(resource.failure).toEqual(DECLINED_FAILURE);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------------------

describe('properties', () => {
  /** The id at `pick` among those asked for so far, or (one pick in ids.length + 1) an id the charge never had. */
  const pickId = (ids: string[], pick: number, unknown: string): string => ids[pick % (ids.length + 1)] ?? unknown;

  /** The answer the provider gives to each call still pending, recorded as the command loop does. */
  function answerAll(state: ChargeState): ChargeCommand[] {
    return pendingProviderCalls(state).map((call): ChargeCommand => {
      switch (call.kind) {
        case 'authorize':
          return authorizationAnswer(authorizedOutcome(), call.authorizationId);
        case 'capture':
          return captureAnswer(call.captureId);
        case 'void':
          return voidAnswer(call.voidId);
      }
    });
  }

  /**
   * Checks for the properties' inner loops, which run ~10^5 times: plain comparisons, with `expect` called only to
   * report a difference (it is slow at that count).
   */
  function holds(condition: boolean, what: string): void {
    if (!condition) throw new Error(`invariant broken: ${what}`);
  }
  function same(actual: unknown, expected: unknown): void {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual).toEqual(expected);
  }

  /** The calls a state must have pending: one per record still PROCESSING, keyed by its id. */
  function expectPendingCalls(state: ExistingCharge): void {
    const processing = [...state.authorizations, ...state.captures, ...state.voids]
      .filter((r) => r.status === 'PROCESSING')
      .map((r) => r.id);
    same(
      pendingProviderCalls(state).map((c) => c.idempotencyKey),
      processing,
    );
  }

  describe('after authorization: captures, voids, timers and their answers in any interleaving', () => {
    type Step =
      | { kind: 'capture'; amount: number | null }
      | { kind: 'retryCapture'; pick: number }
      | { kind: 'answerCapture'; pick: number }
      | { kind: 'merchantVoid' }
      | { kind: 'answerVoid'; pick: number }
      | { kind: 'captureWindowTimer' }
      | { kind: 'authenticationTimer' }
      | { kind: 'authorizationAnswer'; known: boolean }
      | { kind: 'advanceClock'; ms: number };

    const captureAmount = fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 400 }), weight: 6 },
      { arbitrary: fc.integer({ min: -5, max: 6000 }), weight: 3 },
      { arbitrary: fc.double({ min: -1, max: 2000, noNaN: true }), weight: 1 },
      { arbitrary: fc.constant(null), weight: 1 },
    );
    const pick = fc.nat({ max: 20 });
    const step: fc.Arbitrary<Step> = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('capture' as const), amount: captureAmount }), weight: 8 },
      { arbitrary: fc.record({ kind: fc.constant('retryCapture' as const), pick }), weight: 2 },
      { arbitrary: fc.record({ kind: fc.constant('answerCapture' as const), pick }), weight: 6 },
      { arbitrary: fc.constant({ kind: 'merchantVoid' as const }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant('answerVoid' as const), pick }), weight: 2 },
      { arbitrary: fc.constant({ kind: 'captureWindowTimer' as const }), weight: 2 },
      { arbitrary: fc.constant({ kind: 'authenticationTimer' as const }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant('authorizationAnswer' as const), known: fc.boolean() }), weight: 1 },
      {
        // Minutes to days: enough that many runs cross the 7-day capture window part-way through.
        arbitrary: fc.record({
          kind: fc.constant('advanceClock' as const),
          ms: fc.oneof(fc.integer({ min: 0, max: 60 * MINUTE }), fc.integer({ min: DAY, max: 4 * DAY })),
        }),
        weight: 4,
      },
    );

    /** Worked out independently of the decider: what is still open, from the charge's amount and its records. */
    const openOf = (state: ExistingCharge): number =>
      state.amount.value -
      state.captures.reduce((t, c) => t + c.amount, 0) -
      state.voids.reduce((t, v) => t + v.amount, 0);

    /** What a capture should do: its intent (`ok`), nothing (a retry of an id already asked), or a refusal code. */
    function expectedCapture(state: ExistingCharge, captureId: string, amount: number | null, now: Date): string {
      if (state.captures.some((c) => c.id === captureId)) return 'nothing';
      if (!['CAPTURE_PENDING', 'CAPTURED'].includes(state.status)) return 'invalid_charge_status';
      if (now.getTime() >= Date.parse(state.captureExpiresAt ?? '')) return 'authorization_expired';
      const open = openOf(state);
      if (open === 0) return 'nothing_to_capture';
      const value = amount ?? open;
      if (!Number.isInteger(value) || value < 1) return 'invalid_amount';
      return value > open ? 'amount_exceeds_authorized' : 'ok';
    }

    function expectedMerchantVoid(state: ExistingCharge, now: Date): string {
      if (!['CAPTURE_PENDING', 'CAPTURED'].includes(state.status)) return 'invalid_charge_status';
      if (now.getTime() >= Date.parse(state.captureExpiresAt ?? '')) return 'authorization_expired';
      return openOf(state) === 0 ? 'invalid_charge_status' : 'ok';
    }

    /** The status the records imply. */
    function expectedStatus(state: ExistingCharge): ChargeStatus {
      if (state.captures.some((c) => c.status === 'CAPTURED')) return 'CAPTURED';
      if (state.captures.some((c) => c.status === 'PROCESSING')) return 'CAPTURE_PROCESSING';
      if (state.voids.some((v) => v.status === 'VOIDED')) return 'VOIDED';
      if (state.voids.some((v) => v.status === 'PROCESSING')) return 'VOID_PROCESSING';
      return 'CAPTURE_PENDING';
    }

    function checkInvariants(state: ChargeState, stream: ChargeEvent[]): void {
      const c = charge(state);
      const authorized = authorizedAmount(c);
      const captured = capturedAmount(c);
      const voided = voidedAmount(c);
      holds(authorized === c.amount.value, `authorized ${authorized} is the charge amount ${c.amount.value}`);
      holds(captured <= authorized, `captured ${captured} <= authorized ${authorized}`);
      holds(captured + voided <= authorized, `captured ${captured} + voided ${voided} <= authorized ${authorized}`);
      holds(openAmount(c) === openOf(c) && openAmount(c) >= 0, `open ${openAmount(c)} = ${openOf(c)} >= 0`);
      const amounts = [authorized, captured, voided, openAmount(c)];
      const operations = [...c.captures, ...c.voids];
      holds(
        [...amounts, ...operations.map((x) => x.amount)].every((amount) => Number.isSafeInteger(amount)),
        'every amount is an integer of minor units',
      );
      holds(
        operations.every((x) => x.amount > 0),
        'every capture and void is of a positive amount',
      );
      same(c.status, expectedStatus(c));
      if (c.status === 'VOIDED') holds(voided === authorized, 'a VOIDED charge released all it authorized');
      holds(c.voids.length <= 1, 'at most one void');
      // Every record answered carries the provider's reference; one still processing has none yet.
      holds(
        operations.every((r) => (r.providerReference === null) === (r.status === 'PROCESSING')),
        'a provider reference exactly on the answered captures and voids',
      );
      // No operation is asked for or answered twice.
      for (const type of ['ChargeCaptureRequested', 'ChargeCaptured'] as const) {
        const ids = stream.flatMap((e) => (e.type === type ? [e.data.captureId] : []));
        holds(new Set(ids).size === ids.length, `no capture id twice in ${type}`);
      }
      const history = statuses(c);
      holds(history.filter((s) => s === 'CAPTURED').length <= 1, 'one CAPTURED history entry at most');
      holds(
        history.every((s, i) => i === 0 || s !== history[i - 1]),
        'no history entry repeats the status before it',
      );
      expectPendingCalls(c);
      same(fold(chargeDecider, stream), state);
    }

    it('an authorized MANUAL charge never captures or releases more than was authorized, records each answer once, and replays to the same state', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 50, max: 5000 }),
          fc.array(step, { minLength: 1, maxLength: 40, size: 'medium' }),
          (value, steps) => {
            let { state, events } = manualAuthorized(value);
            let now = APPROVED_AT;
            const captureIds: string[] = [];
            const voidIds: string[] = [];
            checkInvariants(state, events);

            steps.forEach((s, i) => {
              if (s.kind === 'advanceClock') {
                now = after(s.ms, now);
                return;
              }
              const before = charge(state);
              let command: ChargeCommand;
              let expected: string | undefined;
              /** The events it must emit when it acts. */
              let expectedEvents: Array<{ type: ChargeEventType; data: object }> | undefined;
              switch (s.kind) {
                case 'capture':
                case 'retryCapture': {
                  const captureId = s.kind === 'capture' ? `cap_${i}` : pickId(captureIds, s.pick, `cap_${i}`);
                  const amount = s.kind === 'capture' ? s.amount : 100;
                  if (!captureIds.includes(captureId)) captureIds.push(captureId);
                  command = requestCapture(amount, captureId);
                  expected = expectedCapture(before, captureId, amount, now);
                  expectedEvents = [
                    { type: 'ChargeCaptureRequested', data: { captureId, amount: amount ?? openOf(before) } },
                  ];
                  break;
                }
                case 'answerCapture': {
                  const captureId = pickId(captureIds, s.pick, 'cap_unknown');
                  const record = before.captures.find((c) => c.id === captureId);
                  command = captureAnswer(captureId);
                  expected = record?.status === 'PROCESSING' ? 'ok' : 'nothing';
                  expectedEvents = [
                    {
                      type: 'ChargeCaptured',
                      data: { captureId, amount: record?.amount, providerReference: `S01-C-${captureId}` },
                    },
                  ];
                  break;
                }
                case 'merchantVoid':
                  voidIds.push(`void_${i}`);
                  command = requestVoid('MERCHANT_REQUESTED', `void_${i}`);
                  expected = expectedMerchantVoid(before, now);
                  expectedEvents = [{ type: 'ChargeVoidRequested', data: { amount: openOf(before) } }];
                  break;
                case 'captureWindowTimer': {
                  voidIds.push(`void_${i}`);
                  command = requestVoid('CAPTURE_WINDOW_EXPIRED', `void_${i}`);
                  const due = now.getTime() >= Date.parse(before.captureExpiresAt ?? '');
                  const acts = due && ['CAPTURE_PENDING', 'CAPTURED'].includes(before.status) && openOf(before) > 0;
                  expected = acts ? 'ok' : 'nothing';
                  expectedEvents = [{ type: 'ChargeVoidRequested', data: { amount: openOf(before) } }];
                  break;
                }
                case 'answerVoid': {
                  const voidId = pickId(voidIds, s.pick, 'void_unknown');
                  const record = before.voids.find((v) => v.id === voidId);
                  command = voidAnswer(voidId);
                  expected = record?.status === 'PROCESSING' ? 'ok' : 'nothing';
                  expectedEvents = [{ type: 'ChargeVoided', data: { voidId, amount: record?.amount } }];
                  break;
                }
                case 'authenticationTimer':
                  command = expireAuthentication;
                  expected = 'nothing';
                  break;
                case 'authorizationAnswer':
                  // The authorization was answered: a repeated answer, or one for an id it never had, records nothing.
                  command = authorizationAnswer(
                    authorizedOutcome('S01-AUTH-again', AUTO_CAPTURE),
                    s.known ? AUTHORIZATION_ID : 'auth_unknown',
                  );
                  expected = 'nothing';
                  break;
              }

              let emitted: ChargeEvent[] = [];
              let refusedWith: string | undefined;
              try {
                emitted = decide(command, state, now);
              } catch (error) {
                if (!(error instanceof DomainError)) throw error;
                refusedWith = error.code;
              }
              const outcome = refusedWith ?? (emitted.length === 0 ? 'nothing' : 'ok');
              same(outcome, expected);
              if (outcome === 'ok' && expectedEvents) {
                const asExpected =
                  emitted.length === expectedEvents.length &&
                  emitted.every(
                    (e, k) =>
                      e.type === expectedEvents[k].type &&
                      Object.entries(expectedEvents[k].data).every(
                        ([key, v]) => (e.data as unknown as Record<string, unknown>)[key] === v,
                      ),
                  );
                if (!asExpected) expect(emitted).toMatchObject(expectedEvents);
              }
              state = emitted.reduce(evolve, state);
              events = [...events, ...emitted];
              checkInvariants(state, events);
            });

            // The provider answers whatever is still pending; then nothing is left to call.
            const answered = given([[answerAll(state), now]], { state, events });
            ({ state, events } = answered);
            checkInvariants(state, events);
            expect(pendingProviderCalls(state)).toEqual([]);
            expect(charge(state).status).not.toMatch(/PROCESSING$/);

            // Once the window has closed and its timer has run (and been answered), nothing is left open.
            const closed = now.getTime() >= Date.parse(charge(state).captureExpiresAt ?? '');
            if (closed) {
              const final = given([[voidCharge('CAPTURE_WINDOW_EXPIRED', 'void_final'), now]], { state, events });
              expect(openAmount(charge(final.state))).toBe(0);
              checkInvariants(final.state, final.events);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('before authorization: approvals, answers (repeated, stale, unknown) and timers in any interleaving', () => {
    type Answer = 'authorized' | 'authorizedWithCapture' | 'pending' | 'declined';
    type Step =
      | { kind: 'approve' }
      | { kind: 'cancel' }
      | { kind: 'authenticationTimer' }
      | { kind: 'answerAuthorization'; pick: number; answer: Answer }
      | { kind: 'answerCapture'; pick: number }
      | { kind: 'advanceClock'; ms: number };

    const pick = fc.nat({ max: 10 });
    const step: fc.Arbitrary<Step> = fc.oneof(
      { arbitrary: fc.constant({ kind: 'approve' as const }), weight: 3 },
      { arbitrary: fc.constant({ kind: 'cancel' as const }), weight: 1 },
      { arbitrary: fc.constant({ kind: 'authenticationTimer' as const }), weight: 1 },
      {
        arbitrary: fc.record({
          kind: fc.constant('answerAuthorization' as const),
          pick,
          answer: fc.constantFrom<Answer>('authorized', 'authorizedWithCapture', 'pending', 'declined'),
        }),
        weight: 6,
      },
      { arbitrary: fc.record({ kind: fc.constant('answerCapture' as const), pick }), weight: 3 },
      {
        arbitrary: fc.record({
          kind: fc.constant('advanceClock' as const),
          ms: fc.integer({ min: 0, max: 6 * MINUTE }),
        }),
        weight: 2,
      },
    );

    function outcomeOf(answer: Answer, i: number, now: Date): AuthorizationOutcome {
      switch (answer) {
        case 'authorized':
          return authorizedOutcome(`S01-A-${i}`);
        case 'authorizedWithCapture':
          return authorizedOutcome(`S01-A-${i}`, { providerReference: `S01-C-${i}` });
        case 'pending':
          return pendingOutcome(after(30_000, now), `S01-P-${i}`);
        case 'declined':
          return declinedOutcome();
      }
    }

    function checkInvariants(state: ChargeState, stream: ChargeEvent[]): void {
      const c = charge(state);
      holds(c.authorizations.length <= 1, 'one authorization at most');
      const [authorization] = c.authorizations;
      const authorizedWith = (captureMethod: CaptureMethod, captureStatus: string | null): boolean =>
        c.captureMethod === captureMethod &&
        authorization?.status === 'AUTHORIZED' &&
        (captureStatus === null
          ? c.captures.length === 0
          : c.captures.length === 1 &&
            c.captures[0].id === authorization.captureNow?.captureId &&
            c.captures[0].status === captureStatus &&
            c.captures[0].amount === c.amount.value);
      const consistent: Record<string, () => boolean> = {
        AUTHENTICATION_PENDING: () => authorization === undefined,
        AUTHORIZATION_PROCESSING: () => authorization?.status === 'PROCESSING',
        AUTHORIZATION_ASYNC: () => authorization?.status === 'PENDING',
        FAILED: () => authorization === undefined || authorization.status === 'DECLINED',
        CAPTURE_PENDING: () => authorizedWith('MANUAL', null),
        CAPTURE_PROCESSING: () => authorizedWith('AUTOMATIC', 'PROCESSING'),
        CAPTURED: () => authorizedWith('AUTOMATIC', 'CAPTURED'),
      };
      holds(consistent[c.status]?.() === true, `status ${c.status} matches ${JSON.stringify(c.authorizations)}`);
      if (authorization) {
        holds(
          (authorization.captureNow !== null) === (c.captureMethod === 'AUTOMATIC'),
          'capture now exactly for automatic capture',
        );
      }
      holds(capturedAmount(c) <= authorizedAmount(c), 'captured <= authorized');
      same(authorizedAmount(c), authorization?.status === 'AUTHORIZED' ? c.amount.value : 0);
      holds((c.failure !== null) === (c.status === 'FAILED'), 'a failure exactly on a FAILED charge');
      // The money moves once: one authorization asked for and answered, one capture.
      for (const type of [
        'ChargeAuthorizationRequested',
        'ChargeAuthorized',
        'ChargeAuthorizationDeclined',
        'ChargeCaptureRequested',
        'ChargeCaptured',
      ] as const) {
        holds(stream.filter((e) => e.type === type).length <= 1, `${type} once at most`);
      }
      expectPendingCalls(c);
      same(fold(chargeDecider, stream), state);
    }

    it('a consumer charge is authorized and captured at most once, whatever answers arrive and however often', () => {
      fc.assert(
        fc.property(
          fc.constantFrom<CaptureMethod>('AUTOMATIC', 'MANUAL'),
          fc.array(step, { minLength: 1, maxLength: 30 }),
          (captureMethod, steps) => {
            let { state, events } = created({ captureMethod });
            let now = T0;
            const authorizationIds: string[] = [];
            const captureIds: string[] = [];
            checkInvariants(state, events);

            steps.forEach((s, i) => {
              if (s.kind === 'advanceClock') {
                now = after(s.ms, now);
                return;
              }
              const before = charge(state);
              let command: ChargeCommand;
              let expected: string;
              switch (s.kind) {
                case 'approve': {
                  authorizationIds.push(`auth_${i}`);
                  captureIds.push(`cap_${i}`);
                  command = approval(`auth_${i}`, `cap_${i}`);
                  const open = before.status === 'AUTHENTICATION_PENDING';
                  const late = now.getTime() >= Date.parse(before.authenticationExpiresAt ?? '');
                  expected = !open ? 'invalid_charge_status' : late ? 'timedOut' : 'ok';
                  break;
                }
                case 'cancel':
                  command = cancel();
                  expected = before.status === 'AUTHENTICATION_PENDING' ? 'failed' : 'invalid_charge_status';
                  break;
                case 'authenticationTimer': {
                  command = expireAuthentication;
                  const due = now.getTime() >= Date.parse(before.authenticationExpiresAt ?? '');
                  expected = before.status === 'AUTHENTICATION_PENDING' && due ? 'timedOut' : 'nothing';
                  break;
                }
                case 'answerAuthorization': {
                  const authorizationId = pickId(authorizationIds, s.pick, 'auth_unknown');
                  const record = before.authorizations.find((a) => a.id === authorizationId);
                  const outcome = outcomeOf(s.answer, i, now);
                  command = authorizationAnswer(outcome, authorizationId);
                  const waiting =
                    record?.status === 'PROCESSING' || (record?.status === 'PENDING' && outcome.status !== 'PENDING');
                  expected = waiting ? s.answer : 'nothing';
                  break;
                }
                case 'answerCapture': {
                  const captureId = pickId(captureIds, s.pick, 'cap_unknown');
                  command = captureAnswer(captureId);
                  expected =
                    before.captures.find((c) => c.id === captureId)?.status === 'PROCESSING' ? 'captured' : 'nothing';
                  break;
                }
              }

              let emitted: ChargeEvent[] = [];
              let refusedWith: string | undefined;
              try {
                emitted = decide(command, state, now);
              } catch (error) {
                if (!(error instanceof DomainError)) throw error;
                refusedWith = error.code;
              }
              const automatic = captureMethod === 'AUTOMATIC';
              const expectedTypes: Record<string, ChargeEventType[]> = {
                nothing: [],
                ok: ['ChargeAuthenticationCompleted', 'ChargeAuthorizationRequested'],
                timedOut: ['ChargeAuthenticationFailed'],
                failed: ['ChargeAuthenticationFailed'],
                authorized: automatic ? ['ChargeAuthorized', 'ChargeCaptureRequested'] : ['ChargeAuthorized'],
                authorizedWithCapture: automatic ? ['ChargeAuthorized', 'ChargeCaptured'] : ['ChargeAuthorized'],
                pending: ['ChargeAuthorizationPending'],
                declined: ['ChargeAuthorizationDeclined'],
                captured: ['ChargeCaptured'],
              };
              same(
                refusedWith ?? types(emitted),
                expected === 'invalid_charge_status' ? expected : expectedTypes[expected],
              );
              state = emitted.reduce(evolve, state);
              events = [...events, ...emitted];
              checkInvariants(state, events);
            });
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  it('CreateCharge accepts exactly the USD amounts from 50 to 2_000_000', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10, max: 2_000_100 }), (value) => {
        const command = createCharge({ amount: { value, currency: 'USD' } });
        const inRange = value >= 50 && value <= 2_000_000;
        if (inRange) {
          expect(types(decide(command, initialState, T0))).toEqual(['ChargeCreated']);
        } else {
          expect(refusal(() => decide(command, initialState, T0)).code).toBe(
            value < 0 ? 'invalid_amount' : value < 50 ? 'amount_too_small' : 'amount_too_large',
          );
        }
      }),
    );
  });

  it('with the Amazon Pay sandbox, every simulation code ends as documented in SIMULATED_FAILURES', async () => {
    const DELAY_MS = 30_000;
    const newProvider = () =>
      new AmazonPaySandboxProvider(
        {
          hostedPageBaseUrl: 'http://127.0.0.1:3002',
          signingSecret: 'test-signing-secret',
          linkTtlMs: 30 * 60_000,
          asyncAuthorizationDelayMs: DELAY_MS,
        },
        new InMemorySandboxProviderRecords(),
      );

    /** The provider's answer to one pending call, as the command that records it. */
    async function perform(
      provider: AmazonPaySandboxProvider,
      state: ExistingCharge,
      call: ChargeProviderCall,
      now: Date,
    ): Promise<ChargeCommand> {
      switch (call.kind) {
        case 'authorize':
          return authorizationAnswer(
            await provider.authorize({
              idempotencyKey: call.idempotencyKey,
              chargeId: state.id,
              authorizationId: call.authorizationId,
              amount: call.amount,
              simulationCode: call.simulationCode,
              captureNow: call.captureNow,
              now,
            }),
            call.authorizationId,
          );
        case 'capture':
          return {
            type: 'RecordCaptureOutcome',
            captureId: call.captureId,
            result: await provider.capture({
              idempotencyKey: call.idempotencyKey,
              chargeId: state.id,
              operationId: call.captureId,
              authorizationReference: call.authorizationReference,
              amount: call.amount,
            }),
          };
        case 'void':
          return {
            type: 'RecordVoidOutcome',
            voidId: call.voidId,
            result: await provider.void({
              idempotencyKey: call.idempotencyKey,
              chargeId: state.id,
              operationId: call.voidId,
              authorizationReference: call.authorizationReference,
              amount: call.amount,
            }),
          };
      }
    }

    /** Makes the calls the charge has pending and records their answers, as the command loop does. */
    async function settle(provider: AmazonPaySandboxProvider, run: Run, now: Date): Promise<Run> {
      for (let turn = 0; turn < 8; turn++) {
        const [call] = pendingProviderCalls(run.state);
        if (call === undefined) return run;
        run = given([[await perform(provider, charge(run.state), call, now), now]], run);
      }
      throw new Error('the provider calls did not settle');
    }

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<SimulationCode | null>(null, ...SIMULATION_CODES),
        fc.constantFrom<CaptureMethod>('AUTOMATIC', 'MANUAL'),
        fc.integer({ min: 50, max: 2_000_000 }),
        fc.integer({ min: 0, max: 10 * MINUTE - 1 }),
        async (simulationCode, captureMethod, value, thinkMs) => {
          const provider = newProvider();
          const approvedAt = after(thinkMs);
          let run = created({ simulationCode, captureMethod, amount: money(value, 'USD') });

          /** The consumer approves on the hosted page; a simulated BuyerCanceled cancels whatever they click. */
          if (simulationCode === 'BuyerCanceled') {
            run = given([[cancel(provider.consumerCanceledFailure()), approvedAt]], run);
          } else {
            run = given([[approval(), approvedAt]], run);
            expect(pendingProviderCalls(run.state)).toMatchObject([
              { kind: 'authorize', idempotencyKey: 'auth_1', amount: money(value, 'USD'), simulationCode },
            ]);
            run = await settle(provider, run, approvedAt);
          }
          let state = charge(run.state);

          if (simulationCode !== null && simulationCode !== 'AuthorizationInitiated') {
            expect(state.status).toBe('FAILED');
            expect(state.failure).toEqual(SIMULATED_FAILURES[simulationCode]);
            expect(state.failure?.providerFailureCode).toBe(simulationCode);
            expect(state.captures).toEqual([]);
            expect(authorizedAmount(state)).toBe(0);
            expect(pendingProviderCalls(state)).toEqual([]);
            return;
          }

          if (simulationCode === 'AuthorizationInitiated') {
            expect(state.status).toBe('AUTHORIZATION_ASYNC');
            expect(state.checkAuthorizationAfter).toBe(iso(after(DELAY_MS, approvedAt)));
            expect(pendingProviderCalls(state)).toEqual([]);
            const checkAt = new Date(Date.parse(state.checkAuthorizationAfter ?? ''));
            const pending = state.authorizations[0];
            const outcome = await provider.getAuthorization({
              providerReference: pending.providerReference ?? '',
              now: checkAt,
            });
            run = given([[authorizationAnswer(outcome, pending.id), checkAt]], run);
            run = await settle(provider, run, checkAt);
            state = charge(run.state);
            expect(state.authorizations).toHaveLength(1);
            expect(state.authorizations[0].providerReference).toBe(pending.providerReference);
          }

          expect(state.failure).toBeNull();
          expect(state.status).toBe(captureMethod === 'AUTOMATIC' ? 'CAPTURED' : 'CAPTURE_PENDING');
          expect(authorizedAmount(state)).toBe(value);
          expect(capturedAmount(state)).toBe(captureMethod === 'AUTOMATIC' ? value : 0);
          expect(pendingProviderCalls(state)).toEqual([]);
          expect(fold(chargeDecider, run.events)).toEqual(run.state);
          // The provider's records agree with the ledger's.
          const authorization = await provider.get('authorization', state.authorizations[0].providerReference ?? '');
          expect(authorization).toMatchObject({ operationId: 'auth_1', amount: money(value, 'USD') });
          if (captureMethod === 'AUTOMATIC') {
            const capture = await provider.get('capture', state.captures[0].providerReference ?? '');
            expect(capture).toMatchObject({ operationId: 'cap_auto', amount: money(value, 'USD') });
          }

          // A retry after a lost answer asks again with the same key: the same answer, and nothing recorded twice.
          const again = await provider.authorize({
            idempotencyKey: 'auth_1',
            chargeId: state.id,
            authorizationId: 'auth_1',
            amount: money(value, 'USD'),
            simulationCode,
            captureNow: captureMethod === 'AUTOMATIC' ? { captureId: 'cap_auto' } : null,
            now: approvedAt,
          });
          expect(decide(authorizationAnswer(again), state, after(MINUTE, approvedAt))).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('CreateMerchantInitiatedCharge (a charge under an agreement, no consumer)', () => {
  it('is created with the intent to authorize and capture at once, with no redirect', () => {
    const events = decide(merchantInitiated(), initialState, T0);
    expect(types(events)).toEqual(['ChargeCreated', 'ChargeAuthorizationRequested']);
    expect(events[1].data).toEqual({
      historyId: expect.stringMatching(HISTORY_ID),
      at: iso(T0),
      authorizationId: 'auth_1',
      amount: 8000,
      captureNow: { captureId: 'cap_1' },
    });
    const state = charge(events.reduce(evolve, initialState));
    expect(state).toMatchObject({
      status: 'AUTHORIZATION_PROCESSING',
      initiator: 'MERCHANT',
      captureMethod: 'AUTOMATIC',
      agreementId: 'agr_1',
      instrumentId: 'instr_1',
      returnUrl: null,
      authentication: null,
      authenticationExpiresAt: null,
    });
    expect(pendingProviderCalls(state)).toEqual([
      {
        kind: 'authorize',
        idempotencyKey: 'auth_1',
        authorizationId: 'auth_1',
        amount: money(8000, 'USD'),
        simulationCode: null,
        captureNow: { captureId: 'cap_1' },
      },
    ]);
    expect(toPaymentChargeResource(state).authenticationMethods).toEqual([]);
    // A retried create changes nothing, with or without the answer recorded.
    expect(decide(merchantInitiated(), state, T0)).toEqual([]);
  });

  it('is CAPTURED once the provider authorizes with the capture (seed 001)', () => {
    const run = given([
      [merchantInitiated(), T0],
      [authorizationAnswer(authorizedOutcome('S01-1', { providerReference: 'S01-C-1' })), T0],
    ]);
    expect(types(run.events)).toEqual([
      'ChargeCreated',
      'ChargeAuthorizationRequested',
      'ChargeAuthorized',
      'ChargeCaptured',
    ]);
    const state = charge(run.state);
    expect(state.status).toBe('CAPTURED');
    expect(state.history.map((h) => h.status)).toEqual(['AUTHORIZATION_PROCESSING', 'CAPTURE_PROCESSING', 'CAPTURED']);
    expect(state.captures).toMatchObject([
      { id: 'cap_1', amount: 8000, status: 'CAPTURED', providerReference: 'S01-C-1' },
    ]);
    expect(pendingProviderCalls(state)).toEqual([]);
    expect(decide(merchantInitiated(), state, T0)).toEqual([]);
  });

  it('fails with the provider decline, and applies the method rules', () => {
    const declined = given([
      [merchantInitiated(), T0],
      [authorizationAnswer({ status: 'DECLINED', failure: SIMULATED_FAILURES.HardDeclined }), T0],
    ]);
    expect(charge(declined.state)).toMatchObject({ status: 'FAILED', failure: SIMULATED_FAILURES.HardDeclined });
    expect(() => decide(merchantInitiated({ amount: { value: 49, currency: 'USD' } }), initialState, T0)).toThrow(
      ChargeRequestRejected,
    );
    expect(() =>
      decide(
        merchantInitiated({ simulationCode: 'Declined', merchant: { id: 'm', name: 'L', mode: 'LIVE' } }),
        initialState,
        T0,
      ),
    ).toThrow(/sandbox/);
  });

  it('has no redirect timer: ExpireAuthentication never fails it; a pending authorization settles with its capture', () => {
    const run = given([
      [merchantInitiated(), T0],
      [authorizationAnswer({ status: 'PENDING', providerReference: 'p', checkAfter: iso(after(30_000)) }), T0],
    ]);
    const state = charge(run.state);
    expect(state.status).toBe('AUTHORIZATION_ASYNC');
    expect(decide({ type: 'ExpireAuthentication' }, state, new Date(T0.getTime() + 3_600_000))).toEqual([]);

    const settled = when(
      run,
      authorizationAnswer(authorizedOutcome('p', { providerReference: 'S01-C-p' })),
      after(30_000),
    );
    expect(types(settled.events)).toEqual(['ChargeAuthorized', 'ChargeCaptured']);
    expect(charge(settled.state).status).toBe('CAPTURED');
    expect(charge(settled.state).captures).toMatchObject([{ id: 'cap_1', amount: 8000 }]);
  });
});

describe('a provider that refuses a capture or a void (nothing done, and asking again would not change that)', () => {
  it('records the refused capture as FAILED and opens its amount again: back to CAPTURE_PENDING', () => {
    const run = given([[[requestCapture(400, 'cap_r')], after(DAY)]], manualAuthorized());
    expect(run.state).toMatchObject({ status: 'CAPTURE_PROCESSING' });
    const { events, state } = when(run, captureRefusal('cap_r'), after(DAY));
    expect(events).toEqual([
      {
        type: 'ChargeCaptureFailed',
        data: {
          historyId: expect.stringMatching(HISTORY_ID),
          at: iso(after(DAY)),
          captureId: 'cap_r',
          amount: 400,
          failure: REFUSED,
        },
      },
    ]);
    if (!exists(state)) throw new Error('exists');
    expect(state.status).toBe('CAPTURE_PENDING');
    expect(state.captures).toMatchObject([{ id: 'cap_r', amount: 400, status: 'FAILED', providerReference: null }]);
    expect(openAmount(state)).toBe(1000);
    expect(capturedAmount(state)).toBe(0);
    expect(pendingProviderCalls(state)).toEqual([]);
    expect(state.history.map((h) => h.status)).toEqual([
      'AUTHENTICATION_PENDING',
      'AUTHORIZATION_PROCESSING',
      'CAPTURE_PENDING',
      'CAPTURE_PROCESSING',
      'CAPTURE_PENDING',
    ]);
    // The merchant can capture again, with a new id.
    const again = given([[captureCharge(1000, 'cap_2'), after(DAY)]], { state, events: [] });
    expect(again.state).toMatchObject({ status: 'CAPTURED' });
  });

  it('after an earlier partial capture, a refused one leaves the charge CAPTURED with the rest open', () => {
    const run = given(
      [
        [captureCharge(300, 'cap_1'), after(DAY)],
        [[requestCapture(200, 'cap_r')], after(DAY)],
      ],
      manualAuthorized(),
    );
    const { state } = when(run, captureRefusal('cap_r'), after(DAY));
    if (!exists(state)) throw new Error('exists');
    expect(state.status).toBe('CAPTURED');
    expect(openAmount(state)).toBe(700);
  });

  it('records a refused void as FAILED and opens its amount again', () => {
    const run = given([[[requestVoid('MERCHANT_REQUESTED', 'void_r')], after(DAY)]], manualAuthorized());
    expect(run.state).toMatchObject({ status: 'VOID_PROCESSING' });
    const { events, state } = when(run, voidRefusal('void_r'), after(DAY));
    expect(types(events)).toEqual(['ChargeVoidFailed']);
    expect(events[0].data).toMatchObject({
      voidId: 'void_r',
      amount: 1000,
      reason: 'MERCHANT_REQUESTED',
      failure: REFUSED,
    });
    if (!exists(state)) throw new Error('exists');
    expect(state.status).toBe('CAPTURE_PENDING');
    expect(state.voids).toMatchObject([{ id: 'void_r', status: 'FAILED' }]);
    expect(openAmount(state)).toBe(1000);
  });

  it('records nothing for a refusal of an unknown, answered or already refused operation', () => {
    const captured = given([[captureCharge(400, 'cap_1'), after(DAY)]], manualAuthorized());
    expect(decide(captureRefusal('cap_1'), captured.state, after(DAY))).toEqual([]);
    expect(decide(captureRefusal('cap_nope'), captured.state, after(DAY))).toEqual([]);
    expect(decide(voidRefusal('void_nope'), captured.state, after(DAY))).toEqual([]);
    const refused = given([[[requestCapture(400, 'cap_r'), captureRefusal('cap_r')], after(DAY)]], manualAuthorized());
    expect(decide(captureRefusal('cap_r'), refused.state, after(DAY))).toEqual([]);
    expect(decide(captureAnswer('cap_r'), refused.state, after(DAY))).toEqual([]);
  });

  it('a refusal answers the intent for the retry timers, and sets the capture window again while money is open', () => {
    const run = given([[[requestCapture(400, 'cap_r')], after(DAY)]], manualAuthorized());
    const { events, state } = when(run, captureRefusal('cap_r'), after(DAY));
    const batch = [...run.events, ...events].map((event) => ({ chargeId: 'charge_1', event }));
    expect(logDeadlines(batch).filter((d) => d.kind === 'provider_retry')).toEqual([]);
    expect(commandDeadlines(events, state)).toEqual([{ kind: 'capture_window', dueAt: iso(CAPTURE_DEADLINE) }]);
  });
});
