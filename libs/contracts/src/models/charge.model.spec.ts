import { MalformedEvent } from '../events/event-contract';
import {
  chargeAsOf,
  chargeExists,
  chargeStateAsOf,
  evolveCharge,
  initialChargeState,
  openAmount,
  type StoredStreamEvent,
} from './index';

const T0 = '2026-03-02T09:00:00.000Z';
const T1 = '2026-03-02T09:01:00.000Z';
const T2 = '2026-03-03T09:00:00.000Z';

/** A consumer charge as written before merchant-initiated charges existed (ChargeCreated schema version 1). */
const CREATED_V1 = {
  historyId: 'hist_1',
  at: T0,
  chargeId: 'charge_1',
  merchant: { id: 'mch_1', name: 'Acme' },
  paymentMethod: 'AMAZON_PAY',
  amount: { value: 1000, currency: 'USD' },
  consumer: { name: 'John Smith', country: 'US' },
  captureMethod: 'MANUAL',
  returnUrl: 'https://www.your-return-page.com/',
  webhooksUrl: null,
  merchantPaymentChargeReference: null,
  simulationCode: null,
  authentication: { type: 'REDIRECT', requestUrl: 'https://sandbox.test/charge_1', requestMethod: 'GET' },
  authenticationExpiresAt: '2026-03-02T09:10:00.000Z',
};

const stream: StoredStreamEvent[] = [
  { type: 'ChargeCreated', schemaVersion: 1, data: CREATED_V1, streamVersion: 1, recordedAt: T0 },
  {
    type: 'ChargeAuthenticationCompleted',
    schemaVersion: 1,
    data: { historyId: 'hist_2', at: T1 },
    streamVersion: 2,
    recordedAt: T1,
  },
  {
    type: 'ChargeAuthorizationRequested',
    schemaVersion: 1,
    data: { historyId: 'hist_3', at: T1, authorizationId: 'auth_1', amount: 1000, captureNow: null },
    streamVersion: 3,
    recordedAt: T1,
  },
  {
    type: 'ChargeAuthorized',
    schemaVersion: 1,
    data: {
      historyId: 'hist_4',
      at: T1,
      authorizationId: 'auth_1',
      amount: 1000,
      providerReference: 'S01-A-1',
      captureExpiresAt: '2026-03-09T09:01:00.000Z',
    },
    streamVersion: 4,
    recordedAt: T1,
  },
  // A type a newer writer added: passed over by this build's readers.
  { type: 'ChargeNotedByTheFuture', schemaVersion: 1, data: {}, streamVersion: 5, recordedAt: T1 },
  {
    type: 'ChargeCaptureRequested',
    schemaVersion: 1,
    data: { historyId: 'hist_5', at: T2, captureId: 'cap_1', amount: 400 },
    streamVersion: 6,
    recordedAt: T2,
  },
  {
    type: 'ChargeCaptured',
    schemaVersion: 1,
    data: { historyId: 'hist_6', at: T2, captureId: 'cap_1', amount: 400, providerReference: 'S01-C-1' },
    streamVersion: 7,
    recordedAt: T2,
  },
];

describe('the public charge model', () => {
  it('shows nothing before the charge existed', () => {
    expect(chargeAsOf([])).toBeNull();
    expect(chargeExists(initialChargeState)).toBe(false);
  });

  it('folds a stored stream into what GET shows, a version-1 creation upcast on the way', () => {
    const charge = chargeAsOf(stream);
    expect(charge).toMatchObject({
      id: 'charge_1',
      status: 'CAPTURED',
      captureMethod: 'MANUAL',
      agreementId: null,
      instrumentId: null,
      authorizations: [{ id: 'auth_1', amount: 1000, status: 'AUTHORIZED' }],
      captures: [{ id: 'cap_1', amount: 400, status: 'CAPTURED', createdAt: T2 }],
    });
    expect(charge?.history.map((h) => h.status)).toEqual([
      'AUTHENTICATION_PENDING',
      'AUTHORIZATION_PROCESSING',
      'CAPTURE_PENDING',
      'CAPTURE_PROCESSING',
      'CAPTURED',
    ]);
    const state = chargeStateAsOf(stream);
    expect(chargeExists(state) && openAmount(state)).toBe(600);
  });

  it('answers as of any stream version or commit instant', () => {
    expect(chargeAsOf(stream, { upToVersion: 2 })?.status).toBe('AUTHORIZATION_PROCESSING');
    expect(chargeAsOf(stream, { upToVersion: 3 })?.authorizations).toMatchObject([{ status: 'PROCESSING' }]);
    expect(chargeAsOf(stream, { upToVersion: 6 })).toMatchObject({
      status: 'CAPTURE_PROCESSING',
      captures: [{ id: 'cap_1', status: 'PROCESSING' }],
    });
    expect(chargeAsOf(stream, { recordedBy: new Date(T1) })?.status).toBe('CAPTURE_PENDING');
    expect(chargeAsOf(stream, { recordedBy: new Date('2026-03-01T00:00:00.000Z') })).toBeNull();
  });

  it('refuses an event that breaks its contract instead of folding it', () => {
    const broken = [{ ...stream[0] }, { ...stream[6], data: { ...(stream[6].data as object), amount: '400' } }];
    expect(() => chargeAsOf(broken)).toThrow(MalformedEvent);
  });

  it('evolve is total: an event for a charge that does not exist changes nothing', () => {
    const captured = stream[6];
    expect(
      evolveCharge(initialChargeState, { type: 'ChargeCaptured', data: captured.data } as Parameters<
        typeof evolveCharge
      >[1]),
    ).toBe(initialChargeState);
  });
});
