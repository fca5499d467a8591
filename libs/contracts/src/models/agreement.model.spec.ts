import type { AgreementCreated, AgreementEvent } from '../events/agreement-events';
import { MalformedEvent } from '../events/event-contract';
import type { ChargeFailure } from '../payment-charge';
import {
  agreementAsOf,
  agreementExists,
  agreementStateAsOf,
  evolveAgreement,
  type ExistingAgreement,
  initialAgreementState,
  toPaymentAgreementResource,
} from './agreement.model';
import type { StoredStreamEvent } from './as-of';

const T0 = '2026-03-02T09:00:00.000Z';
const T1 = '2026-03-02T09:01:00.000Z';
const T2 = '2026-03-03T09:00:00.000Z';
const T3 = '2026-03-04T09:00:00.000Z';

const CREATED: AgreementCreated['data'] = {
  historyId: 'ahist_1',
  at: T0,
  agreementId: 'agr_1',
  merchant: { id: 'mch_1', name: 'Acme', mode: 'SANDBOX' },
  paymentMethod: 'AMAZON_PAY',
  consumer: { name: 'John Smith', country: 'US' },
  startDate: '2025-03-26T20:24:27.000Z',
  startDateAsGiven: '2025-03-26T20:24:27Z',
  endDate: null,
  description: null,
  frequency: { type: 'MONTHLY', interval: 1 },
  amount: { value: 1000, currency: 'USD' },
  amountType: 'EXACT',
  instrumentId: 'instr_1',
  returnUrl: 'https://www.your-return-page.com/',
  merchantPaymentAgreementReference: null,
  webhooksUrl: null,
  simulationCode: null,
  authentication: { type: 'REDIRECT', requestUrl: 'https://sandbox.test/agr_1', requestMethod: 'GET' },
  authenticationExpiresAt: '2026-03-02T09:10:00.000Z',
  initialPaymentCharge: { chargeId: 'charge_initial', amount: { value: 1000, currency: 'USD' } },
};

const HARD_DECLINE: ChargeFailure = {
  failureType: 'PROVIDER_DECLINE',
  failureCode: 'hard_declined',
  providerFailureCode: 'HardDeclined',
  failureMessage: 'The payment method cannot be charged',
  isRetryable: false,
};

const STREAM: AgreementEvent[] = [
  { type: 'AgreementCreated', data: CREATED },
  { type: 'AgreementActivated', data: { historyId: 'ahist_2', at: T1 } },
  {
    type: 'AgreementChargeRequested',
    data: {
      at: T1,
      chargeId: 'charge_initial',
      amount: { value: 1000, currency: 'USD' },
      initiator: 'INITIAL',
      simulationCode: null,
      merchantPaymentChargeReference: null,
    },
  },
  { type: 'AgreementChargeSettled', data: { at: T2, chargeId: 'charge_initial', status: 'FAILED', failure: null } },
  {
    type: 'AgreementMarkedPastDue',
    data: { historyId: 'ahist_3', at: T2, chargeId: 'charge_2', failure: HARD_DECLINE },
  },
  { type: 'AgreementRevoked', data: { historyId: 'ahist_4', at: T3, revokedBy: 'CONSUMER' } },
];

/** The stream as the event store returns it: schema version, stream version and commit time on each event. */
const STORED: StoredStreamEvent[] = STREAM.map((event, i) => ({
  ...event,
  schemaVersion: 1,
  streamVersion: i + 1,
  recordedAt: new Date(Date.parse((event.data as { at: string }).at) + 5),
}));

const fold = (events: AgreementEvent[]) => events.reduce(evolveAgreement, initialAgreementState);

function existing(events: AgreementEvent[]): ExistingAgreement {
  const state = fold(events);
  if (!agreementExists(state)) throw new Error('expected an agreement');
  return state;
}

describe('evolveAgreement', () => {
  it('folds a stream into the state: status, history, charges and their outcomes, failure, revocation', () => {
    const state = existing(STREAM);
    expect(state).toMatchObject({
      id: 'agr_1',
      status: 'REVOKED',
      revokedBy: 'CONSUMER',
      failure: HARD_DECLINE,
      createdAt: T0,
      updatedAt: T3,
      charges: [{ chargeId: 'charge_initial', initiator: 'INITIAL', requestedAt: T1, outcome: 'FAILED' }],
    });
    expect(state.history).toEqual([
      { id: 'ahist_1', status: 'AUTHENTICATION_PENDING', createdAt: T0 },
      { id: 'ahist_2', status: 'ACTIVE', createdAt: T1 },
      { id: 'ahist_3', status: 'PAST_DUE', createdAt: T2 },
      { id: 'ahist_4', status: 'REVOKED', createdAt: T3 },
    ]);
  });

  it('is total: an unknown event type returns the state unchanged', () => {
    const state = fold(STREAM.slice(0, 2));
    const unknown = { type: 'AgreementRenamed', data: {} } as unknown as AgreementEvent;
    expect(evolveAgreement(state, unknown)).toBe(state);
    expect(evolveAgreement(initialAgreementState, unknown)).toBe(initialAgreementState);
  });

  it('ignores non-creation events on a NEW agreement', () => {
    for (const event of STREAM.slice(1))
      expect(evolveAgreement(initialAgreementState, event)).toBe(initialAgreementState);
  });

  it('does not add a history entry when the status does not change', () => {
    const state = existing(STREAM.slice(0, 2));
    const again = existing([
      ...STREAM.slice(0, 2),
      { type: 'AgreementActivated', data: { historyId: 'ahist_x', at: T2 } },
    ]);
    expect(again.history).toEqual(state.history);
    expect(again.updatedAt).toBe(T2);
  });
});

describe('toPaymentAgreementResource', () => {
  // The keys of seed 001's example response to POST /v1/payment-agreements.
  const SEED_KEYS = [
    'id',
    'status',
    'paymentMethod',
    'startDate',
    'instrumentId',
    'consumer',
    'authenticationMethods',
    'history',
    'initialPaymentChargeId',
    'createdAt',
    'updatedAt',
  ];

  it("has seed 001's keys with the pending agreement's values", () => {
    const resource = toPaymentAgreementResource(existing(STREAM.slice(0, 1)));
    expect(Object.keys(resource)).toEqual(expect.arrayContaining(SEED_KEYS));
    expect(resource).toMatchObject({
      id: 'agr_1',
      status: 'AUTHENTICATION_PENDING',
      paymentMethod: 'AMAZON_PAY',
      startDate: '2025-03-26T20:24:27.000Z',
      instrumentId: 'instr_1',
      consumer: { name: 'John Smith', country: 'US' },
      authenticationMethods: [
        { type: 'REDIRECT', details: { requestUrl: 'https://sandbox.test/agr_1', requestMethod: 'GET' } },
      ],
      history: [{ id: 'ahist_1', status: 'AUTHENTICATION_PENDING', createdAt: T0 }],
      initialPaymentChargeId: 'charge_initial',
      createdAt: T0,
      updatedAt: T0,
    });
  });

  it('gives a null initialPaymentChargeId without an initial charge, the revocation once revoked, and no internals', () => {
    const created: AgreementEvent = { type: 'AgreementCreated', data: { ...CREATED, initialPaymentCharge: null } };
    const resource = toPaymentAgreementResource(existing([created, ...STREAM.slice(1)]));
    expect(resource).toMatchObject({ initialPaymentChargeId: null, status: 'REVOKED', revokedBy: 'CONSUMER' });
    expect(resource).not.toHaveProperty('charges');
    expect(resource).not.toHaveProperty('merchant');
    expect(resource).not.toHaveProperty('simulationCode');
  });
});

describe('agreementAsOf', () => {
  it('is what GET showed after the whole stream, after any stream version, and before the agreement existed', () => {
    expect(agreementAsOf(STORED)).toEqual(toPaymentAgreementResource(existing(STREAM)));
    expect(agreementAsOf(STORED, { upToVersion: 2 })).toMatchObject({ status: 'ACTIVE', updatedAt: T1 });
    expect(agreementAsOf(STORED, { upToVersion: 5 })).toMatchObject({ status: 'PAST_DUE', failure: HARD_DECLINE });
    expect(agreementAsOf(STORED, { upToVersion: 0 })).toBeNull();
    expect(agreementAsOf([])).toBeNull();
  });

  it('is what GET showed at an instant (by commit time)', () => {
    expect(agreementAsOf(STORED, { recordedBy: new Date(T2) })).toMatchObject({ status: 'ACTIVE' });
    expect(agreementAsOf(STORED, { recordedBy: new Date(Date.parse(T2) + 1000) })).toMatchObject({
      status: 'PAST_DUE',
    });
    expect(agreementAsOf(STORED, { recordedBy: new Date('2020-01-01T00:00:00Z') })).toBeNull();
  });

  it('passes over types this build does not know and refuses an event that breaks its contract', () => {
    const future: StoredStreamEvent = { type: 'AgreementPaused', schemaVersion: 1, data: {}, streamVersion: 3 };
    const withFuture = [
      ...STORED.slice(0, 2),
      future,
      ...STORED.slice(2).map((e, i) => ({ ...e, streamVersion: i + 4 })),
    ];
    expect(agreementAsOf(withFuture)).toEqual(agreementAsOf(STORED));

    const broken = [STORED[0], { ...STORED[1], data: { historyId: 'ahist_2' } }];
    expect(() => agreementStateAsOf(broken)).toThrow(MalformedEvent);
    expect(() => agreementStateAsOf(broken)).toThrow(
      'AgreementActivated event (schema version 1): at must be a string',
    );
  });
});
