import type { ChargeFailure } from '../payment-charge';
import {
  AGREEMENT_EVENT_SCHEMA_VERSIONS,
  CHARGE_EVENT_SCHEMA_VERSIONS,
  BILLING_SCHEDULE_EVENT_SCHEMA_VERSIONS,
  REFUND_EVENT_SCHEMA_VERSIONS,
  WEBHOOK_ENDPOINT_EVENT_SCHEMA_VERSIONS,
  chargeEvents,
  chargeSettlementOf,
  defineEvent,
  EVENT_PARSERS,
  eventSchema as s,
  MalformedEvent,
  parseAgreementEvent,
  parseBillingScheduleEvent,
  parseChargeEvent,
  upcastChargeEvent,
  type ChargeCreated,
  type StoredEventLike,
} from './index';

const AT = '2026-03-02T09:00:00.000Z';

/** A ChargeCreated payload as version 1 wrote it, before merchant-initiated charges existed. */
const CREATED_V1 = {
  historyId: 'hist_1',
  at: AT,
  chargeId: 'charge_1',
  merchant: { id: 'mch_1', name: 'Acme' },
  paymentMethod: 'AMAZON_PAY',
  amount: { value: 1999, currency: 'USD' },
  consumer: { name: 'John Smith', country: 'US' },
  captureMethod: 'AUTOMATIC',
  returnUrl: 'https://shop.example/return',
  webhooksUrl: null,
  merchantPaymentChargeReference: 'order-1',
  simulationCode: null,
  authentication: { type: 'REDIRECT', requestUrl: 'https://sandbox.test/charge_1', requestMethod: 'GET' },
  authenticationExpiresAt: '2026-03-02T09:10:00.000Z',
};

const CREATED_V2: ChargeCreated['data'] = {
  ...(CREATED_V1 as Omit<ChargeCreated['data'], 'initiator' | 'agreementId' | 'instrumentId'>),
  initiator: 'MERCHANT',
  agreementId: 'agr_1',
  instrumentId: 'instr_1',
  returnUrl: null,
  authentication: null,
  authenticationExpiresAt: null,
};

const FAILURE: ChargeFailure = {
  failureType: 'PROVIDER_DECLINE',
  failureCode: 'hard_declined',
  providerFailureCode: 'HardDeclined',
  failureMessage: 'The payment method cannot be charged',
  isRetryable: false,
};

/** The MalformedEvent a read is refused with; fails the test when it is accepted or throws anything else. */
function refusal(read: () => unknown): MalformedEvent {
  try {
    read();
  } catch (error) {
    if (error instanceof MalformedEvent) return error;
    throw error;
  }
  throw new Error('expected the event to be refused with MalformedEvent, but it was read');
}

describe('ChargeCreated: the upcast from schema version 1 to 2', () => {
  it('is written at schema version 2', () => {
    expect(CHARGE_EVENT_SCHEMA_VERSIONS.ChargeCreated).toBe(2);
    expect(chargeEvents.contracts.ChargeCreated.schemaVersion).toBe(2);
  });

  it('reads a stored version-1 event without initiator, agreementId and instrumentId as a consumer charge', () => {
    const stored = { type: 'ChargeCreated', schemaVersion: 1, data: structuredClone(CREATED_V1) };
    const event = parseChargeEvent(stored);
    expect(event).toEqual({
      type: 'ChargeCreated',
      data: { ...CREATED_V1, initiator: 'CONSUMER', agreementId: null, instrumentId: null },
    });
    expect(stored.data).toEqual(CREATED_V1); // the stored payload is not changed
  });

  it('keeps the fields a version-1 event already carried (written after merchant-initiated charges existed)', () => {
    const event = parseChargeEvent({ type: 'ChargeCreated', schemaVersion: 1, data: CREATED_V2 });
    expect(event).toEqual({ type: 'ChargeCreated', data: CREATED_V2 });
  });

  it('reads a version-2 event as stored, without copying its payload', () => {
    const event = parseChargeEvent({ type: 'ChargeCreated', schemaVersion: 2, data: CREATED_V2 });
    expect(event?.data).toBe(CREATED_V2);
  });

  it('refuses a version-2 event without the fields version 2 made required', () => {
    const error = refusal(() => parseChargeEvent({ type: 'ChargeCreated', schemaVersion: 2, data: CREATED_V1 }));
    expect(error).toMatchObject({ code: 'malformed_event', eventType: 'ChargeCreated', schemaVersion: 2 });
    expect(error.message).toBe(
      "Malformed ChargeCreated event (schema version 2): initiator must be one of 'CONSUMER' | 'MERCHANT', got nothing",
    );
  });

  it('refuses a version newer than this build knows, and a version that is not one', () => {
    expect(refusal(() => parseChargeEvent({ type: 'ChargeCreated', schemaVersion: 3, data: CREATED_V2 })).message).toBe(
      'Malformed ChargeCreated event (schema version 3): written by a newer version (this build reads up to version 2)',
    );
    expect(refusal(() => parseChargeEvent({ type: 'ChargeCreated', schemaVersion: 0, data: CREATED_V2 })).problem).toBe(
      'not a schema version',
    );
  });

  it('refuses an upcast version-1 payload that is still malformed, naming the field', () => {
    const data = { ...CREATED_V1, amount: { value: '19.99', currency: 'USD' } };
    expect(refusal(() => parseChargeEvent({ type: 'ChargeCreated', schemaVersion: 1, data })).problem).toBe(
      'amount.value must be an integer, got "19.99"',
    );
    expect(refusal(() => parseChargeEvent({ type: 'ChargeCreated', schemaVersion: 1, data: null })).problem).toBe(
      'payload is not an object',
    );
  });
});

describe('parsers', () => {
  it('narrow the payload by type (no casts in consumers)', () => {
    const event = parseChargeEvent({
      type: 'ChargeAuthorizationDeclined',
      schemaVersion: 1,
      data: { historyId: 'hist_2', at: AT, authorizationId: 'auth_1', amount: 1999, failure: FAILURE },
    });
    if (event?.type !== 'ChargeAuthorizationDeclined') throw new Error('expected a decline');
    expect(event.data.failure.failureCode).toBe('hard_declined');
    expect(chargeSettlementOf(event)).toEqual({ status: 'DECLINED', failure: FAILURE });
  });

  it('return null for a type this build does not know (a newer writer added it), and upcast refuses it', () => {
    const future = { type: 'ChargeDisputed', schemaVersion: 1, data: { anything: true } };
    expect(parseChargeEvent(future)).toBeNull();
    expect(parseAgreementEvent({ ...future, type: 'AgreementRenamed' })).toBeNull();
    expect(parseBillingScheduleEvent({ ...future, type: 'BillingPaused' })).toBeNull();
    expect(refusal(() => upcastChargeEvent(future)).message).toBe(
      'Malformed ChargeDisputed event (schema version 1): not a charge event this build knows',
    );
  });

  it('refuse a wrong primitive, a missing field, a value outside a literal set, and a non-object', () => {
    const read = (type: string, data: unknown) => () => parseChargeEvent({ type, schemaVersion: 1, data });
    const captured = { historyId: 'hist_3', at: AT, captureId: 'cap_1', amount: 1999, providerReference: 'P-1' };
    expect(refusal(read('ChargeCaptured', { ...captured, amount: 19.99 })).problem).toBe(
      'amount must be an integer, got number 19.99',
    );
    expect(refusal(read('ChargeCaptured', { ...captured, providerReference: undefined })).problem).toBe(
      'providerReference must be a string, got nothing',
    );
    expect(
      refusal(read('ChargeVoided', { ...captured, voidId: 'void_1', reason: 'BORED', providerReference: 'P' })).problem,
    ).toBe("reason must be one of 'MERCHANT_REQUESTED' | 'CAPTURE_WINDOW_EXPIRED', got \"BORED\"");
    expect(refusal(read('ChargeCaptured', [captured])).problem).toBe('the payload must be an object, got an array');
    expect(
      refusal(
        read('ChargeAuthorizationDeclined', {
          ...captured,
          authorizationId: 'a',
          failure: { ...FAILURE, isRetryable: 'no' },
        }),
      ).problem,
    ).toBe('failure.isRetryable must be a boolean, got "no"');
  });

  it('keep fields the contract does not name (a newer writer may add one)', () => {
    const data = { historyId: 'hist_3', at: AT, captureId: 'cap_1', amount: 1, providerReference: 'P', extra: 1 };
    expect(parseChargeEvent({ type: 'ChargeCaptured', schemaVersion: 1, data })?.data).toBe(data);
  });

  it('declare every event type of each stream once, at the version its decider writes', () => {
    expect(EVENT_PARSERS.map((p) => p.streamType)).toEqual([
      'charge',
      'agreement',
      'billing-schedule',
      'refund',
      'webhook-endpoint',
    ]);
    expect(EVENT_PARSERS[0].schemaVersions).toEqual(CHARGE_EVENT_SCHEMA_VERSIONS);
    expect(EVENT_PARSERS[1].schemaVersions).toEqual(AGREEMENT_EVENT_SCHEMA_VERSIONS);
    expect(EVENT_PARSERS[2].schemaVersions).toEqual(BILLING_SCHEDULE_EVENT_SCHEMA_VERSIONS);
    expect(EVENT_PARSERS[3].schemaVersions).toEqual(REFUND_EVENT_SCHEMA_VERSIONS);
    expect(EVENT_PARSERS[4].schemaVersions).toEqual(WEBHOOK_ENDPOINT_EVENT_SCHEMA_VERSIONS);
    for (const parser of EVENT_PARSERS) {
      for (const contract of Object.values(parser.contracts) as { description: string; streamType: string }[]) {
        expect(contract.streamType).toBe(parser.streamType);
        expect(contract.description.length).toBeGreaterThan(20);
      }
    }
  });
});

describe('defineEvent', () => {
  interface Renamed {
    type: 'Renamed';
    data: { name: string; previous: string | null };
  }

  it('chains upcasters from any older version and refuses a version it has no upcaster from', () => {
    const contract = defineEvent<Renamed>({
      type: 'Renamed',
      streamType: 'test',
      schemaVersion: 3,
      description: 'a test event',
      data: s.object<Renamed['data']>({ name: s.string, previous: s.nullable(s.string) }),
      upcasters: {
        2: (data) => ({ ...data, previous: data.previous ?? null }),
      },
    });
    const v2: StoredEventLike = { type: 'Renamed', schemaVersion: 2, data: { name: 'b' } };
    expect(contract.read(v2)).toEqual({ type: 'Renamed', data: { name: 'b', previous: null } });
    expect(refusal(() => contract.read({ ...v2, schemaVersion: 1 })).problem).toBe('no upcaster from version 1 to 2');
  });
});

describe('parse cost', () => {
  it('reads well over the consumers’ 3,000 events/s on one core', () => {
    const captured = {
      type: 'ChargeCaptured',
      schemaVersion: 1,
      data: { historyId: 'hist_3', at: AT, captureId: 'cap_1', amount: 1999, providerReference: 'P-1' },
    };
    const created = { type: 'ChargeCreated', schemaVersion: 2, data: CREATED_V2 };
    const n = 20_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) parseChargeEvent(i % 2 ? captured : created);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    expect(n / seconds).toBeGreaterThan(100_000);
  });
});
