import fc from 'fast-check';
import {
  type CaptureMethod,
  type ChargeFailure,
  type ChargeStatus,
  money,
  type PaymentMethodType,
  SIMULATION_CODES,
  type SimulationCode,
  type VoidReason,
} from '@payment-ledger/contracts';
import { isAcceptableReturnUrl } from '@payment-ledger/contracts';
import { DomainError, fold } from '@payment-ledger/domain-kernel';
import { handleCommand, InMemoryEventStore } from '@payment-ledger/event-store';
import { AmazonPaySandboxProvider, SIMULATED_FAILURES } from '@payment-ledger/payment-methods';
import type {
  AuthorizationOutcome,
  CaptureCharge,
  ChargeCommand,
  CreateCharge,
  CreateMerchantInitiatedCharge,
  ExpireAuthentication,
  RecordConsumerApproval,
  RecordConsumerCancellation,
  ResolveAuthorization,
  VoidCharge,
} from './charge-commands';
import {
  AmountExceedsAuthorized,
  AuthorizationExpired,
  ChargeRequestRejected,
  InvalidChargeStatus,
} from './charge-errors';
import { CHARGE_EVENT_SCHEMA_VERSIONS, type ChargeEvent, type ChargeEventType } from '@payment-ledger/contracts';
import { toPaymentChargeResource } from './charge-resource';
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

const authorizedOutcome = (providerReference = 'S01-AUTH-1'): AuthorizationOutcome => ({
  status: 'AUTHORIZED',
  providerReference,
});
const pendingOutcome = (checkAfter: Date, providerReference = 'S01-AUTH-1'): AuthorizationOutcome => ({
  status: 'PENDING',
  providerReference,
  checkAfter: iso(checkAfter),
});
const declinedOutcome = (failure: ChargeFailure = DECLINED_FAILURE): AuthorizationOutcome => ({
  status: 'DECLINED',
  failure,
});

/** The provider's answer to the automatic capture that accompanies an authorization. */
const AUTO_CAPTURE = { captureId: 'cap_auto', result: { providerReference: 'S01-C-auto' } };

function approve(
  authorization: AuthorizationOutcome = authorizedOutcome(),
  capture?: RecordConsumerApproval['capture'],
): RecordConsumerApproval {
  return { type: 'RecordConsumerApproval', authorizationId: 'auth_1', authorization, ...(capture ? { capture } : {}) };
}
const cancel = (failure: ChargeFailure = CANCELED_FAILURE): RecordConsumerCancellation => ({
  type: 'RecordConsumerCancellation',
  failure,
});
const expireAuthentication: ExpireAuthentication = { type: 'ExpireAuthentication' };
function resolve(authorization: AuthorizationOutcome, capture?: ResolveAuthorization['capture']): ResolveAuthorization {
  return { type: 'ResolveAuthorization', authorization, ...(capture ? { capture } : {}) };
}
const captureCharge = (amount: number, captureId = `cap_${amount}`): CaptureCharge => ({
  type: 'CaptureCharge',
  captureId,
  amount,
  result: { providerReference: `S01-C-${captureId}` },
});
const voidCharge = (reason: VoidReason = 'MERCHANT_REQUESTED', voidId = 'void_1'): VoidCharge => ({
  type: 'VoidCharge',
  voidId,
  reason,
  result: { providerReference: `S01-V-${voidId}` },
});

// ---------------------------------------------------------------------------------------------------------------
// Running commands
// ---------------------------------------------------------------------------------------------------------------

interface Run {
  state: ChargeState;
  /** Every event emitted so far, in order: the charge's stream. */
  events: ChargeEvent[];
}
const START: Run = { state: initialState, events: [] };

/** Decides each command at its instant and folds its events in, as the command handler does. */
function given(steps: Array<[ChargeCommand, Date]>, start: Run = START): Run {
  return steps.reduce<Run>(({ state, events }, [command, now]) => {
    const emitted = decide(command, state, now);
    return { state: emitted.reduce(evolve, state), events: [...events, ...emitted] };
  }, start);
}

/** One command on top of a run: the new events and the state after them. */
function when(run: Run, command: ChargeCommand, now: Date): { events: ChargeEvent[]; state: ChargeState } {
  const events = decide(command, run.state, now);
  return { events, state: events.reduce(evolve, run.state) };
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
    'refuses %s: ChargeRequestRejected %s (HTTP 400, field %s)',
    (_description, code, field, overrides) => {
      const error = refusal(() => decide(createCharge(overrides), initialState, T0));
      expect(error).toBeInstanceOf(ChargeRequestRejected);
      expect(error).toMatchObject({ name: 'ChargeRequestRejected', code, status: 400, field });
      expect(error.message).not.toHaveLength(0);
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
    expect(error).toMatchObject({ status: 400, code: 'invalid_amount', field: 'amount.value' });
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

describe('RecordConsumerApproval', () => {
  it('authorizes and captures an AUTOMATIC charge: AUTHENTICATION_PENDING → … → CAPTURED', () => {
    const { events, state } = when(created(), approve(authorizedOutcome('S01-AUTH-1'), AUTO_CAPTURE), APPROVED_AT);

    expect(types(events)).toEqual(['ChargeAuthenticationCompleted', 'ChargeAuthorized', 'ChargeCaptured']);
    expect(events[1].data).toMatchObject({
      authorizationId: 'auth_1',
      amount: 1000,
      providerReference: 'S01-AUTH-1',
      captureExpiresAt: iso(CAPTURE_DEADLINE),
    });
    expect(events[2].data).toMatchObject({ captureId: 'cap_auto', amount: 1000, providerReference: 'S01-C-auto' });

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

    // A capture answer handed to a MANUAL charge is not used: the merchant captures.
    expect(types(events)).toEqual(['ChargeAuthenticationCompleted', 'ChargeAuthorized']);
    const next = charge(state);
    expect(next.status).toBe('CAPTURE_PENDING');
    expect(statuses(next)).toEqual(['AUTHENTICATION_PENDING', 'AUTHORIZATION_PROCESSING', 'CAPTURE_PENDING']);
    expect(next.captures).toEqual([]);
    expect(next.captureExpiresAt).toBe(iso(CAPTURE_DEADLINE));
    expect(authorizedAmount(next)).toBe(1000);
    expect(openAmount(next)).toBe(1000);
  });

  it('fails the charge on a declined authorization and records the failure', () => {
    const { events, state } = when(created(), approve(declinedOutcome()), APPROVED_AT);

    expect(types(events)).toEqual(['ChargeAuthenticationCompleted', 'ChargeAuthorizationDeclined']);
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
        createdAt: iso(APPROVED_AT),
        updatedAt: iso(APPROVED_AT),
      },
    ]);
    expect(next.captures).toEqual([]);
    expect(next.captureExpiresAt).toBeNull();
    expect(authorizedAmount(next)).toBe(0);
    expect(openAmount(next)).toBe(0);
  });

  it('waits for an asynchronous authorization: AUTHORIZATION_ASYNC with a check time', () => {
    const checkAfter = after(30_000, APPROVED_AT);
    const { events, state } = when(created(), approve(pendingOutcome(checkAfter, 'S01-P')), APPROVED_AT);

    expect(types(events)).toEqual(['ChargeAuthenticationCompleted', 'ChargeAuthorizationPending']);
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
        createdAt: iso(APPROVED_AT),
        updatedAt: iso(APPROVED_AT),
      },
    ]);
    expect(authorizedAmount(next)).toBe(0);
  });

  it('accepts an approval 1 ms before the authentication deadline', () => {
    const { state } = when(created(), approve(authorizedOutcome(), AUTO_CAPTURE), after(-1, AUTHENTICATION_DEADLINE));
    expect(charge(state).status).toBe('CAPTURED');
  });

  it.each([
    ['at', AUTHENTICATION_DEADLINE],
    ['after', after(DAY)],
  ])('fails an approval that arrives %s the authentication deadline as timed out', (_when, now) => {
    const { events, state } = when(created(), approve(authorizedOutcome(), AUTO_CAPTURE), now);

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
  });
});

describe('ResolveAuthorization (asynchronous authorization settles)', () => {
  const RESOLVED_AT = after(30_000, APPROVED_AT);

  it('captures an AUTOMATIC charge once the provider authorizes: AUTHORIZATION_ASYNC → CAPTURED', () => {
    const { events, state } = when(awaitingAsync(), resolve(authorizedOutcome('S01-P'), AUTO_CAPTURE), RESOLVED_AT);

    expect(types(events)).toEqual(['ChargeAuthorized', 'ChargeCaptured']);
    const next = charge(state);
    expect(next.status).toBe('CAPTURED');
    expect(statuses(next)).toEqual([
      'AUTHENTICATION_PENDING',
      'AUTHORIZATION_PROCESSING',
      'AUTHORIZATION_ASYNC',
      'CAPTURE_PROCESSING',
      'CAPTURED',
    ]);
    // The pending authorization becomes the authorized one: same id, original createdAt.
    expect(next.authorizations).toEqual([
      {
        id: 'auth_1',
        amount: 1000,
        status: 'AUTHORIZED',
        providerReference: 'S01-P',
        createdAt: iso(APPROVED_AT),
        updatedAt: iso(RESOLVED_AT),
      },
    ]);
    expect(next.checkAuthorizationAfter).toBeNull();
    expect(next.captureExpiresAt).toBe(iso(after(7 * DAY, RESOLVED_AT)));
    expect(capturedAmount(next)).toBe(1000);
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
  ])('does nothing when the charge is %s (a late or repeated check)', (_status, fixture) => {
    expect(decide(resolve(authorizedOutcome(), AUTO_CAPTURE), fixture().state, RESOLVED_AT)).toEqual([]);
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
    ['AUTHORIZATION_ASYNC', () => awaitingAsync()],
    ['CAPTURE_PENDING', () => manualAuthorized()],
    ['CAPTURED', automaticCaptured],
    ['FAILED', () => given([[cancel(), APPROVED_AT]], created())],
  ])('does nothing once the consumer has finished (%s)', (_status, fixture) => {
    expect(decide(expireAuthentication, fixture().state, after(DAY))).toEqual([]);
  });
});

describe('CaptureCharge', () => {
  it('captures the whole authorization of a CAPTURE_PENDING charge → CAPTURED', () => {
    const now = after(DAY);
    const { events, state } = when(manualAuthorized(), captureCharge(1000, 'cap_1'), now);

    expect(events).toEqual([
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
    expect(state.updatedAt).toBe(iso(after(3 * 60 * MINUTE)));
  });

  it('refuses more than is still open with AmountExceedsAuthorized (409)', () => {
    const run = given([[captureCharge(300), after(DAY)]], manualAuthorized());

    const error = refusal(() => decide(captureCharge(701), run.state, after(DAY + MINUTE)));
    expect(error).toBeInstanceOf(AmountExceedsAuthorized);
    expect(error).toMatchObject({ code: 'amount_exceeds_authorized', status: 409 });
    expect(error.message).toContain('701');
    expect(error.message).toContain('700');
    expect(types(decide(captureCharge(700), run.state, after(DAY + MINUTE)))).toEqual(['ChargeCaptured']);
  });

  it('refuses more than the authorization on the first capture', () => {
    expect(refusal(() => decide(captureCharge(1001), manualAuthorized().state, after(DAY)))).toBeInstanceOf(
      AmountExceedsAuthorized,
    );
  });

  it('refuses a capture at or after captureExpiresAt with AuthorizationExpired (409)', () => {
    const { state } = manualAuthorized();
    for (const now of [CAPTURE_DEADLINE, after(DAY, CAPTURE_DEADLINE)]) {
      const error = refusal(() => decide(captureCharge(100), state, now));
      expect(error).toBeInstanceOf(AuthorizationExpired);
      expect(error).toMatchObject({ code: 'authorization_expired', status: 409 });
      expect(error.message).toContain(iso(CAPTURE_DEADLINE));
    }
    expect(types(decide(captureCharge(100), state, after(-1, CAPTURE_DEADLINE)))).toEqual(['ChargeCaptured']);
  });

  it.each([0, -1, 0.5, 100.25, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])(
    'refuses the amount %d with invalid_amount (400, field amount)',
    (amount) => {
      const error = refusal(() => decide(captureCharge(amount), manualAuthorized().state, after(DAY)));
      expect(error).toBeInstanceOf(ChargeRequestRejected);
      expect(error).toMatchObject({ code: 'invalid_amount', status: 400, field: 'amount' });
    },
  );
});

describe('VoidCharge', () => {
  it('releases a CAPTURE_PENDING authorization at the merchant’s request → VOIDED', () => {
    const now = after(DAY);
    const { events, state } = when(manualAuthorized(), voidCharge('MERCHANT_REQUESTED', 'void_1'), now);

    expect(events).toEqual([
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
    expect(statuses(next)).toEqual(['AUTHENTICATION_PENDING', 'AUTHORIZATION_PROCESSING', 'CAPTURE_PENDING', 'VOIDED']);
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
    expect(types(run.events).slice(-2)).toEqual(['ChargeCaptured', 'ChargeVoided']);
    expect(state.status).toBe('CAPTURED');
    expect(state.voids).toMatchObject([{ amount: 600, reason: 'MERCHANT_REQUESTED', status: 'VOIDED' }]);
    expect(statuses(state)).toEqual([
      'AUTHENTICATION_PENDING',
      'AUTHORIZATION_PROCESSING',
      'CAPTURE_PENDING',
      'CAPTURED',
    ]);
    expect(capturedAmount(state)).toBe(400);
    expect(voidedAmount(state)).toBe(600);
    expect(openAmount(state)).toBe(0);
    expect(state.updatedAt).toBe(iso(after(2 * DAY)));

    // Nothing is left to capture or release.
    expect(refusal(() => decide(captureCharge(1), state, after(3 * DAY)))).toBeInstanceOf(AmountExceedsAuthorized);
    expect(refusal(() => decide(voidCharge(), state, after(3 * DAY)))).toMatchObject({
      code: 'invalid_charge_status',
      currentStatus: 'CAPTURED',
    });
  });

  describe('when the capture window expires (reason CAPTURE_WINDOW_EXPIRED, from the timer)', () => {
    it('does nothing before the window closes (a timer that fires early, e.g. after a restart)', () => {
      expect(
        decide(voidCharge('CAPTURE_WINDOW_EXPIRED'), manualAuthorized().state, after(-1, CAPTURE_DEADLINE)),
      ).toEqual([]);
    });

    it('voids the whole open amount of an uncaptured authorization at the deadline → VOIDED', () => {
      const { events, state } = when(manualAuthorized(), voidCharge('CAPTURE_WINDOW_EXPIRED'), CAPTURE_DEADLINE);

      expect(types(events)).toEqual(['ChargeVoided']);
      expect(events[0].data).toMatchObject({
        amount: 1000,
        reason: 'CAPTURE_WINDOW_EXPIRED',
        at: iso(CAPTURE_DEADLINE),
      });
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
      expect(decide(voidCharge('CAPTURE_WINDOW_EXPIRED'), fully.state, CAPTURE_DEADLINE)).toEqual([]);
      expect(decide(voidCharge('CAPTURE_WINDOW_EXPIRED'), automaticCaptured().state, CAPTURE_DEADLINE)).toEqual([]);
    });

    it('does nothing when it runs a second time, or after the merchant voided', () => {
      const timedOut = given([[voidCharge('CAPTURE_WINDOW_EXPIRED'), CAPTURE_DEADLINE]], manualAuthorized());
      expect(
        decide(voidCharge('CAPTURE_WINDOW_EXPIRED', 'void_2'), timedOut.state, after(DAY, CAPTURE_DEADLINE)),
      ).toEqual([]);
      const voided = given([[voidCharge(), after(DAY)]], manualAuthorized());
      expect(decide(voidCharge('CAPTURE_WINDOW_EXPIRED', 'void_2'), voided.state, CAPTURE_DEADLINE)).toEqual([]);
    });

    it.each<[string, () => Run]>([
      ['AUTHENTICATION_PENDING', () => created()],
      ['AUTHORIZATION_ASYNC', () => awaitingAsync()],
      ['FAILED', () => given([[cancel(), APPROVED_AT]], created())],
    ])('does nothing on a charge that was never authorized (%s)', (_status, fixture) => {
      expect(decide(voidCharge('CAPTURE_WINDOW_EXPIRED'), fixture().state, after(30 * DAY))).toEqual([]);
    });
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
    AUTHORIZATION_ASYNC: () => awaitingAsync(),
    CAPTURE_PENDING: () => manualAuthorized(),
    'CAPTURED (partly)': () => given([[captureCharge(400), after(90_000)]], manualAuthorized()),
    'CAPTURED (fully)': automaticCaptured,
    FAILED: () => given([[cancel(), APPROVED_AT]], created()),
    VOIDED: () => given([[voidCharge(), after(90_000)]], manualAuthorized()),
  } satisfies Record<string, () => Run>;
  type FixtureName = keyof typeof FIXTURES;

  const COMMANDS = {
    RecordConsumerApproval: () => approve(authorizedOutcome(), AUTO_CAPTURE),
    RecordConsumerCancellation: () => cancel(),
    CaptureCharge: () => captureCharge(100),
    'VoidCharge (MERCHANT_REQUESTED)': () => voidCharge('MERCHANT_REQUESTED'),
  } satisfies Record<string, () => ChargeCommand>;
  type CommandName = keyof typeof COMMANDS;

  /** `ok` = accepted; otherwise the error code, and for invalid_charge_status the status it reports. */
  type Expected = 'ok' | { code: 'invalid_charge_status'; currentStatus: ChargeStatus | 'NEW' } | { code: string };
  const invalid = (currentStatus: ChargeStatus | 'NEW'): Expected => ({ code: 'invalid_charge_status', currentStatus });

  const TABLE: Record<FixtureName, Record<CommandName, Expected>> = {
    NEW: {
      RecordConsumerApproval: invalid('NEW'),
      RecordConsumerCancellation: invalid('NEW'),
      CaptureCharge: invalid('NEW'),
      'VoidCharge (MERCHANT_REQUESTED)': invalid('NEW'),
    },
    AUTHENTICATION_PENDING: {
      RecordConsumerApproval: 'ok',
      RecordConsumerCancellation: 'ok',
      CaptureCharge: invalid('AUTHENTICATION_PENDING'),
      'VoidCharge (MERCHANT_REQUESTED)': invalid('AUTHENTICATION_PENDING'),
    },
    AUTHORIZATION_ASYNC: {
      RecordConsumerApproval: invalid('AUTHORIZATION_ASYNC'),
      RecordConsumerCancellation: invalid('AUTHORIZATION_ASYNC'),
      CaptureCharge: invalid('AUTHORIZATION_ASYNC'),
      'VoidCharge (MERCHANT_REQUESTED)': invalid('AUTHORIZATION_ASYNC'),
    },
    CAPTURE_PENDING: {
      RecordConsumerApproval: invalid('CAPTURE_PENDING'),
      RecordConsumerCancellation: invalid('CAPTURE_PENDING'),
      CaptureCharge: 'ok',
      'VoidCharge (MERCHANT_REQUESTED)': 'ok',
    },
    'CAPTURED (partly)': {
      RecordConsumerApproval: invalid('CAPTURED'),
      RecordConsumerCancellation: invalid('CAPTURED'),
      CaptureCharge: 'ok',
      'VoidCharge (MERCHANT_REQUESTED)': 'ok',
    },
    'CAPTURED (fully)': {
      RecordConsumerApproval: invalid('CAPTURED'),
      RecordConsumerCancellation: invalid('CAPTURED'),
      // CAPTURED allows further (partial) captures; with nothing open, the amount is what is refused.
      CaptureCharge: { code: 'amount_exceeds_authorized' },
      'VoidCharge (MERCHANT_REQUESTED)': invalid('CAPTURED'),
    },
    FAILED: {
      RecordConsumerApproval: invalid('FAILED'),
      RecordConsumerCancellation: invalid('FAILED'),
      CaptureCharge: invalid('FAILED'),
      'VoidCharge (MERCHANT_REQUESTED)': invalid('FAILED'),
    },
    VOIDED: {
      RecordConsumerApproval: invalid('VOIDED'),
      RecordConsumerCancellation: invalid('VOIDED'),
      CaptureCharge: invalid('VOIDED'),
      'VoidCharge (MERCHANT_REQUESTED)': invalid('VOIDED'),
    },
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
      expect(error).toMatchObject({ status: 409, ...(expected as object) });
      if ((expected as { code: string }).code === 'invalid_charge_status') {
        expect(error).toBeInstanceOf(InvalidChargeStatus);
        expect(error.message).toContain(`in status ${(error as InvalidChargeStatus).currentStatus}`);
      } else {
        expect(error).toBeInstanceOf(AmountExceedsAuthorized);
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
      AUTHORIZATION_ASYNC: 'AUTHORIZATION_ASYNC',
      CAPTURE_PENDING: 'CAPTURE_PENDING',
      'CAPTURED (partly)': 'CAPTURED',
      'CAPTURED (fully)': 'CAPTURED',
      FAILED: 'FAILED',
      VOIDED: 'VOIDED',
    });
    expect(openAmount(charge(FIXTURES['CAPTURED (partly)']().state))).toBe(600);
    expect(openAmount(charge(FIXTURES['CAPTURED (fully)']().state))).toBe(0);
  });

  it.each<ChargeCommand>([expireAuthentication, resolve(authorizedOutcome()), voidCharge('CAPTURE_WINDOW_EXPIRED')])(
    'refuses $type on a charge that does not exist (NEW)',
    (command) => {
      expect(refusal(() => decide(command, initialState, ACT_AT))).toMatchObject({
        code: 'invalid_charge_status',
        currentStatus: 'NEW',
      });
    },
  );
});

// ---------------------------------------------------------------------------------------------------------------
// evolve
// ---------------------------------------------------------------------------------------------------------------

describe('evolve', () => {
  /** One event of every type, as a fully captured MANUAL charge with a void and a failure would have them. */
  function oneOfEach(): ChargeEvent[] {
    const captured = given([[captureCharge(400), after(DAY)]], manualAuthorized());
    const voided = given([[voidCharge(), after(2 * DAY)]], captured);
    const pending = awaitingAsync();
    const declined = given([[resolve(declinedOutcome()), after(DAY)]], pending);
    const canceled = given([[cancel(), APPROVED_AT]], created());
    const all = [...voided.events, ...declined.events, ...canceled.events];
    const byType = new Map<ChargeEventType, ChargeEvent>();
    for (const event of all) if (!byType.has(event.type)) byType.set(event.type, event);
    return [...byType.values()];
  }

  it('has an example of every event type', () => {
    expect(new Set(types(oneOfEach()))).toEqual(new Set(Object.keys(CHARGE_EVENT_SCHEMA_VERSIONS)));
  });

  it('is total: every event but ChargeCreated leaves a NEW state as it is, without throwing', () => {
    const events = oneOfEach().filter((e) => e.type !== 'ChargeCreated');
    expect(events).toHaveLength(7);
    for (const event of events) {
      expect(() => evolve(initialState, event)).not.toThrow();
      expect(evolve(initialState, event)).toBe(initialState);
    }
  });

  it('never changes the state it is given (folding is replayable)', () => {
    const run = manualAuthorized();
    const frozen = structuredClone(run.state);
    deepFreeze(run.state);
    const [captured] = decide(captureCharge(400), run.state, after(DAY));
    expect(() => evolve(run.state, captured)).not.toThrow();
    expect(run.state).toEqual(frozen);
  });

  it('rebuilds the same state from the stored stream (fold) as the command-by-command run', () => {
    const run = given(
      [
        [captureCharge(100), after(DAY)],
        [captureCharge(200), after(2 * DAY)],
        [voidCharge(), after(3 * DAY)],
      ],
      manualAuthorized(),
    );
    expect(fold(chargeDecider, run.events)).toEqual(run.state);
    // The state is JSON-safe: read models store it as is.
    expect(JSON.parse(JSON.stringify(run.state))).toEqual(run.state);
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

describe('chargeDecider', () => {
  it('is initialState, evolve and decide, writing every event at schema version 1', () => {
    expect(chargeDecider.initialState).toEqual({ status: 'NEW' });
    expect(chargeDecider.evolve).toBe(evolve);
    expect(chargeDecider.decide).toBe(decide);
    expect(Object.values(chargeDecider.schemaVersions ?? {})).toEqual(Array(8).fill(1));
  });

  it('names a charge’s stream charge:<chargeId>', () => {
    expect(chargeStreamId('charge_1')).toBe('charge:charge_1');
  });

  it('runs create → approve → capture through handleCommand on the in-memory store; a retried create appends nothing', async () => {
    const store = new InMemoryEventStore();
    const streamId = chargeStreamId('charge_1');
    const run = (command: ChargeCommand, now: Date) =>
      handleCommand(store, streamId, chargeDecider, command, { now: () => now });

    await run(createCharge({ captureMethod: 'MANUAL' }), T0);
    await run(approve(authorizedOutcome()), APPROVED_AT);
    const retried = await run(createCharge({ captureMethod: 'MANUAL' }), after(2 * MINUTE));
    const captured = await run(captureCharge(1000), after(DAY));

    expect(retried.newEvents).toEqual([]);
    expect(retried.version).toBe(3);
    expect(captured.version).toBe(4);
    const stored = await store.readStream(streamId);
    expect(stored.map((e) => [e.type, e.streamVersion, e.schemaVersion])).toEqual([
      ['ChargeCreated', 1, 1],
      ['ChargeAuthenticationCompleted', 2, 1],
      ['ChargeAuthorized', 3, 1],
      ['ChargeCaptured', 4, 1],
    ]);
    expect(fold(chargeDecider, stored as unknown as ChargeEvent[])).toEqual(captured.state);
    expect(charge(captured.state).status).toBe('CAPTURED');
  });

  it('surfaces a refusal from handleCommand without writing', async () => {
    const store = new InMemoryEventStore();
    const streamId = chargeStreamId('charge_1');
    await handleCommand(store, streamId, chargeDecider, createCharge(), { now: () => T0 });
    await expect(
      handleCommand(store, streamId, chargeDecider, captureCharge(100), { now: () => APPROVED_AT }),
    ).rejects.toBeInstanceOf(InvalidChargeStatus);
    expect(store.version(streamId)).toBe(1);
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
  type Step =
    | { kind: 'capture'; amount: number }
    | { kind: 'merchantVoid' }
    | { kind: 'captureWindowTimer' }
    | { kind: 'authenticationTimer' }
    | { kind: 'authorizationCheck' }
    | { kind: 'advanceClock'; ms: number };

  const captureAmount = fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 400 }), weight: 6 },
    { arbitrary: fc.integer({ min: -5, max: 6000 }), weight: 3 },
    { arbitrary: fc.double({ min: -1, max: 2000, noNaN: true }), weight: 1 },
  );
  const step: fc.Arbitrary<Step> = fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('capture' as const), amount: captureAmount }), weight: 8 },
    { arbitrary: fc.constant({ kind: 'merchantVoid' as const }), weight: 1 },
    { arbitrary: fc.constant({ kind: 'captureWindowTimer' as const }), weight: 2 },
    { arbitrary: fc.constant({ kind: 'authenticationTimer' as const }), weight: 1 },
    { arbitrary: fc.constant({ kind: 'authorizationCheck' as const }), weight: 1 },
    {
      // Minutes to days: enough that many runs cross the 7-day capture window part-way through.
      arbitrary: fc.record({
        kind: fc.constant('advanceClock' as const),
        ms: fc.oneof(fc.integer({ min: 0, max: 60 * MINUTE }), fc.integer({ min: DAY, max: 4 * DAY })),
      }),
      weight: 4,
    },
  );

  function toCommand(s: Exclude<Step, { kind: 'advanceClock' }>, i: number): ChargeCommand {
    switch (s.kind) {
      case 'capture':
        return captureCharge(s.amount, `cap_${i}`);
      case 'merchantVoid':
        return voidCharge('MERCHANT_REQUESTED', `void_${i}`);
      case 'captureWindowTimer':
        return voidCharge('CAPTURE_WINDOW_EXPIRED', `void_${i}`);
      case 'authenticationTimer':
        return expireAuthentication;
      case 'authorizationCheck':
        return resolve(authorizedOutcome(), AUTO_CAPTURE);
    }
  }

  /** What a capture should do, worked out independently of the decider. */
  function expectedCapture(state: ExistingCharge, amount: number, now: Date): 'ok' | string {
    if (!['CAPTURE_PENDING', 'CAPTURED'].includes(state.status)) return 'invalid_charge_status';
    if (now.getTime() >= Date.parse(state.captureExpiresAt ?? '')) return 'authorization_expired';
    if (!Number.isInteger(amount) || amount < 1) return 'invalid_amount';
    const open =
      state.amount.value -
      state.captures.reduce((t, c) => t + c.amount, 0) -
      state.voids.reduce((t, v) => t + v.amount, 0);
    return amount > open ? 'amount_exceeds_authorized' : 'ok';
  }

  function checkInvariants(state: ChargeState, stream: ChargeEvent[]): void {
    const c = charge(state);
    const authorized = authorizedAmount(c);
    const captured = capturedAmount(c);
    const voided = voidedAmount(c);
    expect(authorized).toBe(c.amount.value);
    expect(captured).toBeLessThanOrEqual(authorized);
    expect(captured + voided).toBeLessThanOrEqual(authorized);
    expect(openAmount(c)).toBeGreaterThanOrEqual(0);
    for (const amount of [
      authorized,
      captured,
      voided,
      openAmount(c),
      ...c.captures.map((x) => x.amount),
      ...c.voids.map((x) => x.amount),
    ]) {
      expect(Number.isSafeInteger(amount)).toBe(true);
    }
    expect(c.captures.every((x) => x.amount > 0) && c.voids.every((x) => x.amount > 0)).toBe(true);
    expect(['CAPTURE_PENDING', 'CAPTURED', 'VOIDED']).toContain(c.status);
    expect(c.status === 'CAPTURED').toBe(c.captures.length > 0);
    if (c.status === 'VOIDED') expect(voided).toBe(authorized);
    expect(c.voids.length).toBeLessThanOrEqual(1);
    expect(fold(chargeDecider, stream)).toEqual(state);
  }

  it('an authorized MANUAL charge never captures or releases more than was authorized, and replays to the same state', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 50, max: 5000 }),
        fc.array(step, { minLength: 1, maxLength: 40, size: 'medium' }),
        (value, steps) => {
          let { state, events } = manualAuthorized(value);
          let now = APPROVED_AT;
          checkInvariants(state, events);

          steps.forEach((s, i) => {
            if (s.kind === 'advanceClock') {
              now = after(s.ms, now);
              return;
            }
            const command = toCommand(s, i);
            const expected = s.kind === 'capture' ? expectedCapture(charge(state), s.amount, now) : undefined;
            let emitted: ChargeEvent[] = [];
            let refusedWith: string | undefined;
            try {
              emitted = decide(command, state, now);
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
              refusedWith = error.code;
            }
            if (expected !== undefined) expect(refusedWith ?? 'ok').toBe(expected);
            if (
              s.kind === 'captureWindowTimer' ||
              s.kind === 'authenticationTimer' ||
              s.kind === 'authorizationCheck'
            ) {
              // Timers never refuse: they find nothing to do or act.
              expect(refusedWith).toBeUndefined();
            }
            state = emitted.reduce(evolve, state);
            events = [...events, ...emitted];
            checkInvariants(state, events);
          });

          // Once the window has closed and its timer has run, nothing is left open.
          const closed = now.getTime() >= Date.parse(charge(state).captureExpiresAt ?? '');
          if (closed) {
            const emitted = decide(voidCharge('CAPTURE_WINDOW_EXPIRED', 'void_final'), state, now);
            state = emitted.reduce(evolve, state);
            expect(openAmount(charge(state))).toBe(0);
            checkInvariants(state, [...events, ...emitted]);
          }
        },
      ),
      { numRuns: 300 },
    );
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
    const provider = new AmazonPaySandboxProvider({
      hostedPageBaseUrl: 'http://127.0.0.1:3002',
      signingSecret: 'test-signing-secret',
      asyncAuthorizationDelayMs: DELAY_MS,
    });

    /** The consumer approves on the hosted page; a simulated BuyerCanceled cancels whatever they click. */
    async function consumerApproves(state: ExistingCharge, now: Date): Promise<ChargeCommand> {
      if (state.simulationCode === 'BuyerCanceled') {
        return { type: 'RecordConsumerCancellation', failure: provider.consumerCanceledFailure() };
      }
      const authorizationId = 'auth_0123456789abcdef0123456789abcdef';
      const outcome = await provider.authorize({
        chargeId: state.id,
        authorizationId,
        amount: state.amount,
        simulationCode: state.simulationCode,
        now,
      });
      const capture =
        outcome.status === 'AUTHORIZED' && state.captureMethod === 'AUTOMATIC'
          ? {
              captureId: 'cap_1',
              result: await provider.capture({
                chargeId: state.id,
                operationId: 'cap_1',
                authorizationReference: outcome.providerReference,
                amount: state.amount,
              }),
            }
          : undefined;
      return approve(outcome, capture);
    }

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<SimulationCode | null>(null, ...SIMULATION_CODES),
        fc.constantFrom<CaptureMethod>('AUTOMATIC', 'MANUAL'),
        fc.integer({ min: 50, max: 2_000_000 }),
        fc.integer({ min: 0, max: 10 * MINUTE - 1 }),
        async (simulationCode, captureMethod, value, thinkMs) => {
          const approvedAt = after(thinkMs);
          let run = created({ simulationCode, captureMethod, amount: money(value, 'USD') });
          run = given([[await consumerApproves(charge(run.state), approvedAt), approvedAt]], run);
          let state = charge(run.state);

          if (simulationCode !== null && simulationCode !== 'AuthorizationInitiated') {
            expect(state.status).toBe('FAILED');
            expect(state.failure).toEqual(SIMULATED_FAILURES[simulationCode]);
            expect(state.failure?.providerFailureCode).toBe(simulationCode);
            expect(state.captures).toEqual([]);
            expect(authorizedAmount(state)).toBe(0);
            return;
          }

          if (simulationCode === 'AuthorizationInitiated') {
            expect(state.status).toBe('AUTHORIZATION_ASYNC');
            expect(state.checkAuthorizationAfter).toBe(iso(after(DELAY_MS, approvedAt)));
            const checkAt = new Date(Date.parse(state.checkAuthorizationAfter ?? ''));
            const pending = state.authorizations[0];
            const outcome = await provider.resolveAuthorization({
              chargeId: state.id,
              authorizationId: pending.id,
              providerReference: pending.providerReference,
              now: checkAt,
            });
            const capture =
              captureMethod === 'AUTOMATIC'
                ? { captureId: 'cap_1', result: { providerReference: 'S01-C-1' } }
                : undefined;
            run = given([[resolve(outcome, capture), checkAt]], run);
            state = charge(run.state);
            expect(state.authorizations).toHaveLength(1);
            expect(state.authorizations[0].providerReference).toBe(pending.providerReference);
          }

          expect(state.failure).toBeNull();
          expect(state.status).toBe(captureMethod === 'AUTOMATIC' ? 'CAPTURED' : 'CAPTURE_PENDING');
          expect(authorizedAmount(state)).toBe(value);
          expect(capturedAmount(state)).toBe(captureMethod === 'AUTOMATIC' ? value : 0);
          expect(fold(chargeDecider, run.events)).toEqual(run.state);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('CreateMerchantInitiatedCharge (a charge under an agreement, no consumer)', () => {
  const mit = (overrides: Partial<CreateMerchantInitiatedCharge> = {}): CreateMerchantInitiatedCharge => ({
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
    authorization: { status: 'AUTHORIZED', providerReference: 'S01-1' },
    capture: { captureId: 'cap_1', result: { providerReference: 'S01-C-1' } },
    ...overrides,
  });

  it('is created, authorized and captured in one decision, with no redirect (seed 001: CAPTURED)', () => {
    const events = decide(mit(), initialState, T0);
    expect(types(events)).toEqual(['ChargeCreated', 'ChargeAuthorized', 'ChargeCaptured']);
    const state = charge(events.reduce(evolve, initialState));
    expect(state).toMatchObject({
      status: 'CAPTURED',
      initiator: 'MERCHANT',
      agreementId: 'agr_1',
      instrumentId: 'instr_1',
    });
    expect(state.history.map((h) => h.status)).toEqual(['AUTHORIZATION_PROCESSING', 'CAPTURE_PROCESSING', 'CAPTURED']);
    expect(toPaymentChargeResource(state).authenticationMethods).toEqual([]);
    expect(decide(mit(), state, T0)).toEqual([]);
  });

  it('fails with the provider decline, and applies the method rules', () => {
    const declined = mit({
      authorization: { status: 'DECLINED', failure: SIMULATED_FAILURES.HardDeclined },
      capture: undefined,
    });
    expect(charge(decide(declined, initialState, T0).reduce(evolve, initialState))).toMatchObject({
      status: 'FAILED',
      failure: SIMULATED_FAILURES.HardDeclined,
    });
    expect(() => decide(mit({ amount: { value: 49, currency: 'USD' } }), initialState, T0)).toThrow(
      ChargeRequestRejected,
    );
    expect(() =>
      decide(mit({ simulationCode: 'Declined', merchant: { id: 'm', name: 'L', mode: 'LIVE' } }), initialState, T0),
    ).toThrow(/sandbox/);
  });

  it('has no redirect timer: ExpireAuthentication never fails it', () => {
    const state = charge(
      decide(
        mit({ authorization: { status: 'PENDING', providerReference: 'p', checkAfter: iso(T0) }, capture: undefined }),
        initialState,
        T0,
      ).reduce(evolve, initialState),
    );
    expect(state.status).toBe('AUTHORIZATION_ASYNC');
    expect(decide({ type: 'ExpireAuthentication' }, state, new Date(T0.getTime() + 3_600_000))).toEqual([]);
  });
});
