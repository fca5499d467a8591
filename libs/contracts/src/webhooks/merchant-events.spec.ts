import fc from 'fast-check';
import { AGREEMENT_EVENT_SCHEMA_VERSIONS } from '../events/agreement-events';
import { agreementEvents } from '../events/agreement-event-contracts';
import { CHARGE_EVENT_SCHEMA_VERSIONS, type ChargeEvent } from '../events/charge-events';
import { chargeEvents } from '../events/charge-event-contracts';
import { EVENT_PARSERS } from '../events/index';
import { REFUND_EVENT_SCHEMA_VERSIONS, type RefundEvent } from '../events/refund-events';
import { refundEvents } from '../events/refund-event-contracts';
import { agreementAsOf } from '../models/agreement.model';
import { chargeAsOf } from '../models/charge.model';
import { chargeRefundsAsOf, toChargebackResource, toRefundResource } from '../models/refund.model';
import type { ChargeFailure } from '../payment-charge';
import {
  agreementMerchantEvents,
  chargeMerchantEvents,
  type MerchantEvent,
  merchantEventSourceOf,
  merchantEventsOfStream,
  type StoredLikeEvent,
  toCloudEvent,
  WEBHOOK_MAPPINGS,
} from './merchant-events';
import {
  CHARGE_CHARGEBACK_EVENT_TYPES,
  CHARGE_REFUND_EVENT_TYPES,
  CHARGE_STATUS_EVENT_TYPES,
  WEBHOOK_EVENT_TYPES,
} from './webhook-event-types';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** Stored events of one stream, with ids, versions and commit times as the event store gives them. */
function stored<E extends { type: string; data: unknown }>(
  streamId: string,
  versions: Record<string, number>,
  events: E[],
): StoredLikeEvent[] {
  return events.map((event, i) => ({
    eventId: `evt_${streamId.replace(/\W/g, '')}_${i + 1}`,
    type: event.type,
    schemaVersion: versions[event.type],
    data: event.data,
    streamId,
    streamVersion: i + 1,
    recordedAt: new Date(T0 + i * 1000),
    globalPosition: 100 + i,
  }));
}

const DECLINE: ChargeFailure = {
  failureType: 'PROVIDER_DECLINE',
  failureCode: 'declined',
  providerFailureCode: 'Declined',
  failureMessage: 'Declined',
  isRetryable: false,
};

function chargeCreated(overrides: Partial<Extract<ChargeEvent, { type: 'ChargeCreated' }>['data']> = {}): ChargeEvent {
  return {
    type: 'ChargeCreated',
    data: {
      historyId: 'hist_1',
      at: at(0),
      chargeId: 'charge_1',
      merchant: { id: 'mch_1', name: 'Acme' },
      paymentMethod: 'AMAZON_PAY',
      amount: { value: 1000, currency: 'USD' },
      consumer: { name: 'John Smith', country: 'US' },
      captureMethod: 'AUTOMATIC',
      initiator: 'CONSUMER',
      agreementId: null,
      instrumentId: null,
      returnUrl: 'https://shop.example/return',
      webhooksUrl: 'https://shop.example/hooks',
      merchantPaymentChargeReference: null,
      simulationCode: null,
      authentication: { type: 'REDIRECT', requestUrl: 'https://sandbox.test/charge_1', requestMethod: 'GET' },
      authenticationExpiresAt: at(10),
      ...overrides,
    },
  };
}

/** create → authentication pending → authorized → captured → refund pending → refund succeeded. */
const CHARGE_STREAM: ChargeEvent[] = [
  chargeCreated(),
  { type: 'ChargeAuthenticationCompleted', data: { historyId: 'hist_2', at: at(1) } },
  {
    type: 'ChargeAuthorizationRequested',
    data: {
      historyId: 'hist_3',
      at: at(1),
      authorizationId: 'auth_1',
      amount: 1000,
      captureNow: { captureId: 'cap_1' },
    },
  },
  {
    type: 'ChargeAuthorized',
    data: {
      historyId: 'hist_4',
      at: at(1),
      authorizationId: 'auth_1',
      amount: 1000,
      providerReference: 'P-A-1',
      captureExpiresAt: at(60 * 24 * 7),
    },
  },
  {
    type: 'ChargeCaptured',
    data: { historyId: 'hist_5', at: at(1), captureId: 'cap_1', amount: 1000, providerReference: 'P-C-1' },
  },
  { type: 'ChargeRefundPending', data: { historyId: 'hist_6', at: at(5), refundId: 'refund_1', amount: 1000 } },
  { type: 'ChargeRefundSucceeded', data: { historyId: 'hist_7', at: at(6), refundId: 'refund_1', amount: 1000 } },
];

describe('WEBHOOK_MAPPINGS', () => {
  it('has an entry for every domain event type of the charge, agreement and refund catalogues, and no other', () => {
    const catalogues = { charge: chargeEvents, agreement: agreementEvents, refund: refundEvents };
    for (const [streamType, parser] of Object.entries(catalogues)) {
      const table = WEBHOOK_MAPPINGS[streamType as keyof typeof WEBHOOK_MAPPINGS];
      expect(Object.keys(table).sort()).toEqual(Object.keys(parser.contracts).sort());
      for (const mapping of Object.values(table)) {
        expect(mapping.merchantFacing ? mapping.typeChosenBy : mapping.why).toMatch(/\w/);
      }
    }
  });

  it('covers every published stream type but billing schedules (internal), which yield no source', () => {
    const streamTypes = EVENT_PARSERS.map((p) => p.streamType).filter((t) => t !== 'billing-schedule');
    expect(Object.keys(WEBHOOK_MAPPINGS).sort()).toEqual([...streamTypes].sort());
    for (const streamType of streamTypes) expect(merchantEventSourceOf(streamType)).toBeDefined();
    expect(merchantEventSourceOf('billing-schedule')).toBeUndefined();
    expect(merchantEventsOfStream('billing-schedule', [])).toEqual([]);
  });

  it('yields only listed webhook event types', () => {
    const all = [...Object.values(CHARGE_STATUS_EVENT_TYPES), ...Object.values(CHARGE_REFUND_EVENT_TYPES)];
    for (const type of [...all, ...Object.values(CHARGE_CHARGEBACK_EVENT_TYPES)]) {
      expect(WEBHOOK_EVENT_TYPES).toContain(type);
    }
  });
});

describe('a charge stream', () => {
  const events = stored('charge:charge_1', CHARGE_EVENT_SCHEMA_VERSIONS, CHARGE_STREAM);
  const merchant = merchantEventsOfStream('charge', events);

  it('yields one merchant event per status change, in stream order (intents yield none)', () => {
    expect(merchant.map((e) => [e.streamVersion, e.type])).toEqual([
      [1, 'PAYMENT_CHARGE_AUTHENTICATION_PENDING'],
      [2, 'PAYMENT_CHARGE_AUTHORIZATION_PROCESSING'],
      [4, 'PAYMENT_CHARGE_CAPTURE_PROCESSING'],
      [5, 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED'],
      [6, 'PAYMENT_CHARGE_REFUND_PENDING'],
      [6, 'PAYMENT_CHARGE_REFUND_PROCESSING'],
      [7, 'PAYMENT_CHARGE_REFUND_SUCCEEDED'],
      [7, 'PAYMENT_CHARGE_REFUNDED'],
    ]);
  });

  it("carries the charge as chargeAsOf shows it at that version, plus streamVersion, and the envelope's fields", () => {
    for (const event of merchant) {
      expect(event.data).toEqual({
        ...chargeAsOf(events, { upToVersion: event.streamVersion }),
        streamVersion: event.streamVersion,
      });
      expect(event).toMatchObject({
        merchantId: 'mch_1',
        objectType: 'payment_charge',
        objectId: 'charge_1',
        streamId: 'charge:charge_1',
        objectWebhooksUrl: 'https://shop.example/hooks',
        globalPosition: String(99 + event.streamVersion),
        time: new Date(T0 + (event.streamVersion - 1) * 1000).toISOString(),
      });
    }
    expect(merchant[merchant.length - 1].data.status).toBe('REFUNDED');
  });

  it('derives ids from the domain event ids: the same on every consumption, distinct within one event', () => {
    expect(merchant.map((e) => e.id)).toEqual([
      'evt_chargecharge_1_1',
      'evt_chargecharge_1_2',
      'evt_chargecharge_1_4',
      'evt_chargecharge_1_5',
      'evt_chargecharge_1_6',
      'evt_chargecharge_1_6_1',
      'evt_chargecharge_1_7',
      'evt_chargecharge_1_7_1',
    ]);
    expect(merchantEventsOfStream('charge', events)).toEqual(merchant);
  });

  it('yields nothing for an event redelivered with no change, or of a type this build does not know', () => {
    const again = [...CHARGE_STREAM, CHARGE_STREAM[6]];
    const withUnknown = [...stored('charge:charge_1', CHARGE_EVENT_SCHEMA_VERSIONS, again)];
    withUnknown.push({ ...withUnknown[0], eventId: 'evt_x', type: 'ChargeSomethingNew', streamVersion: 9 });
    expect(merchantEventsOfStream('charge', withUnknown)).toHaveLength(merchant.length);
  });

  it('a merchant-initiated charge starts AUTHORIZATION_PROCESSING; chargebacks on the charge have their types', () => {
    const mit = stored('charge:charge_2', CHARGE_EVENT_SCHEMA_VERSIONS, [
      chargeCreated({
        chargeId: 'charge_2',
        initiator: 'MERCHANT',
        agreementId: 'agr_1',
        instrumentId: 'instr_1',
        returnUrl: null,
        webhooksUrl: null,
        authentication: null,
        authenticationExpiresAt: null,
      }),
      {
        type: 'ChargeAuthorized',
        data: {
          historyId: 'h2',
          at: at(1),
          authorizationId: 'auth_1',
          amount: 1000,
          providerReference: 'P',
          captureExpiresAt: at(9),
        },
      },
      {
        type: 'ChargeCaptured',
        data: { historyId: 'h3', at: at(1), captureId: 'cap_1', amount: 1000, providerReference: 'P' },
      },
      {
        type: 'ChargeChargebackOpened',
        data: { historyId: 'h4', at: at(2), chargebackId: 'cb_1', amount: 400, reason: 'not received' },
      },
      {
        type: 'ChargeChargebackResolved',
        data: { historyId: 'h5', at: at(3), chargebackId: 'cb_1', amount: 400, outcome: 'WON' },
      },
    ]);
    const yielded = merchantEventsOfStream('charge', mit);
    expect(yielded.map((e) => e.type)).toEqual([
      'PAYMENT_CHARGE_AUTHORIZATION_PROCESSING',
      'PAYMENT_CHARGE_CAPTURE_PROCESSING',
      'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
      'PAYMENT_CHARGE_CHARGEBACK_OPENED',
      'PAYMENT_CHARGE_CHARGEBACK_WON',
    ]);
    expect(yielded.every((e) => e.objectWebhooksUrl === null)).toBe(true);
  });

  it('a declined authorization yields PAYMENT_CHARGE_FAILED with the failure in data', () => {
    const declined = merchantEventsOfStream(
      'charge',
      stored('charge:charge_1', CHARGE_EVENT_SCHEMA_VERSIONS, [
        chargeCreated(),
        { type: 'ChargeAuthenticationCompleted', data: { historyId: 'h2', at: at(1) } },
        {
          type: 'ChargeAuthorizationDeclined',
          data: { historyId: 'h3', at: at(1), authorizationId: 'auth_1', amount: 1000, failure: DECLINE },
        },
      ]),
    );
    expect(declined.map((e) => e.type)).toEqual([
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
      'PAYMENT_CHARGE_AUTHORIZATION_PROCESSING',
      'PAYMENT_CHARGE_FAILED',
    ]);
    expect(declined[2].data.failure).toEqual(DECLINE);
  });
});

describe('an agreement stream', () => {
  const created = {
    historyId: 'ahist_1',
    at: at(0),
    agreementId: 'agr_1',
    merchant: { id: 'mch_1', name: 'Acme', mode: 'SANDBOX' as const },
    paymentMethod: 'AMAZON_PAY' as const,
    consumer: { name: 'John Smith', country: 'US' },
    startDate: '2026-03-02T09:00:00.000Z',
    startDateAsGiven: '2026-03-02T09:00:00Z',
    endDate: null,
    description: null,
    frequency: { type: 'MONTHLY' as const, interval: 1 },
    amount: { value: 1000, currency: 'USD' },
    amountType: 'EXACT' as const,
    instrumentId: 'instr_1',
    returnUrl: 'https://shop.example/return',
    merchantPaymentAgreementReference: null,
    webhooksUrl: 'https://shop.example/agreement-hooks',
    simulationCode: null,
    authentication: {
      type: 'REDIRECT' as const,
      requestUrl: 'https://sandbox.test/agr_1',
      requestMethod: 'GET' as const,
    },
    authenticationExpiresAt: at(10),
    initialPaymentCharge: null,
  };
  const events = stored('agreement:agr_1', AGREEMENT_EVENT_SCHEMA_VERSIONS, [
    { type: 'AgreementCreated', data: created },
    { type: 'AgreementActivated', data: { historyId: 'ahist_2', at: at(1) } },
    {
      type: 'AgreementChargeRequested',
      data: {
        at: at(2),
        chargeId: 'charge_9',
        amount: { value: 1000, currency: 'USD' },
        initiator: 'MERCHANT',
        simulationCode: null,
        merchantPaymentChargeReference: null,
      },
    },
    { type: 'AgreementChargeSettled', data: { at: at(3), chargeId: 'charge_9', status: 'FAILED', failure: DECLINE } },
    {
      type: 'AgreementMarkedPastDue',
      data: { historyId: 'ahist_3', at: at(3), chargeId: 'charge_9', failure: DECLINE },
    },
    { type: 'AgreementRevoked', data: { historyId: 'ahist_4', at: at(4), revokedBy: 'MERCHANT' } },
  ]);

  it('yields a type per status reached (revocation by whom), none for its charge bookkeeping, data as agreementAsOf', () => {
    const yielded = merchantEventsOfStream('agreement', events);
    expect(yielded.map((e) => [e.streamVersion, e.type])).toEqual([
      [1, 'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING'],
      [2, 'PAYMENT_AGREEMENT_ACTIVE'],
      [5, 'PAYMENT_AGREEMENT_PAST_DUE'],
      [6, 'PAYMENT_AGREEMENT_REVOKED_BY_MERCHANT'],
    ]);
    for (const event of yielded) {
      expect(event.data).toEqual({
        ...agreementAsOf(events, { upToVersion: event.streamVersion }),
        streamVersion: event.streamVersion,
      });
      expect(event).toMatchObject({
        objectType: 'payment_agreement',
        objectId: 'agr_1',
        merchantId: 'mch_1',
        objectWebhooksUrl: 'https://shop.example/agreement-hooks',
      });
    }
  });

  it('is the same through the source one event at a time', () => {
    let state = agreementMerchantEvents.initialState;
    const yielded: MerchantEvent[] = [];
    for (const event of events) {
      const after = agreementMerchantEvents.evolve(state, event);
      yielded.push(...agreementMerchantEvents.merchantEventsOf(state, after, event));
      state = after;
    }
    expect(yielded).toEqual(merchantEventsOfStream('agreement', events));
  });
});

describe('a refund stream', () => {
  const requested = (refundId: string, value: number, minute: number): RefundEvent => ({
    type: 'RefundRequested',
    data: {
      at: at(minute),
      refundId,
      chargeId: 'charge_1',
      merchantId: 'mch_1',
      paymentMethod: 'AMAZON_PAY',
      amount: { value, currency: 'USD' },
      reason: null,
      merchantRefundReference: null,
      simulationCode: null,
    },
  });
  const events = stored('refund:charge_1', REFUND_EVENT_SCHEMA_VERSIONS, [
    requested('refund_1', 300, 1),
    {
      type: 'RefundPending',
      data: { at: at(2), refundId: 'refund_1', amount: 300, providerReference: 'R1', checkAfter: at(5) },
    },
    { type: 'RefundSucceeded', data: { at: at(5), refundId: 'refund_1', amount: 300, providerReference: 'R1' } },
    requested('refund_2', 200, 6),
    { type: 'RefundFailed', data: { at: at(7), refundId: 'refund_2', amount: 200, failure: DECLINE } },
    {
      type: 'ChargebackOpened',
      data: {
        at: at(8),
        chargebackId: 'cb_1',
        chargeId: 'charge_1',
        merchantId: 'mch_1',
        amount: { value: 100, currency: 'USD' },
        reason: 'fraud',
      },
    },
    { type: 'ChargebackResolved', data: { at: at(9), chargebackId: 'cb_1', amount: 100, outcome: 'LOST' } },
  ]);

  it('yields refund and chargeback events (not on RefundPending), data as the refund model shows that object', () => {
    const yielded = merchantEventsOfStream('refund', events);
    expect(yielded.map((e) => [e.streamVersion, e.type, e.objectType, e.objectId])).toEqual([
      [1, 'PAYMENT_REFUND_PENDING', 'refund', 'refund_1'],
      [3, 'PAYMENT_REFUND_SUCCEEDED', 'refund', 'refund_1'],
      [4, 'PAYMENT_REFUND_PENDING', 'refund', 'refund_2'],
      [5, 'PAYMENT_REFUND_FAILED', 'refund', 'refund_2'],
      [6, 'PAYMENT_CHARGEBACK_OPENED', 'chargeback', 'cb_1'],
      [7, 'PAYMENT_CHARGEBACK_LOST', 'chargeback', 'cb_1'],
    ]);
    for (const event of yielded) {
      const state = chargeRefundsAsOf(events, { upToVersion: event.streamVersion });
      const resource =
        event.objectType === 'refund'
          ? toRefundResource(state.refunds.find((r) => r.id === event.objectId)!)
          : toChargebackResource(state.chargebacks.find((c) => c.id === event.objectId)!);
      expect(event.data).toEqual({ ...resource, streamVersion: event.streamVersion });
      expect(event.merchantId).toBe('mch_1');
      expect(event.objectWebhooksUrl).toBeNull();
    }
  });

  it('as CloudEvents: subject the object id, source its collection, data the object', () => {
    const [refund, , , , chargeback] = merchantEventsOfStream('refund', events);
    expect(toCloudEvent(refund)).toEqual({
      specversion: '1.0',
      id: refund.id,
      source: '/v1/refunds',
      type: 'PAYMENT_REFUND_PENDING',
      subject: 'refund_1',
      time: refund.time,
      datacontenttype: 'application/json',
      data: refund.data,
    });
    expect(toCloudEvent(chargeback).source).toBe('/v1/payment-charges/charge_1/chargebacks');
    expect(toCloudEvent(chargeback, 'https://api.example/v1').source).toBe('https://api.example/v1');
  });
});

describe('random charge streams (property)', () => {
  const ids = {
    auth: ['auth_1', 'auth_2'],
    cap: ['cap_1', 'cap_2'],
    void: ['void_1'],
    refund: ['refund_1', 'refund_2'],
    cb: ['cb_1'],
  };
  const amount = fc.constantFrom(300, 500, 1000);
  const pick = (list: string[]) => fc.constantFrom(...list);
  const h = { historyId: 'h', at: at(1) };
  const later: fc.Arbitrary<ChargeEvent> = fc.oneof(
    fc.constant<ChargeEvent>({ type: 'ChargeAuthenticationCompleted', data: h }),
    fc.constant<ChargeEvent>({
      type: 'ChargeAuthenticationFailed',
      data: { ...h, reason: 'TIMED_OUT', failure: DECLINE },
    }),
    fc.record({ id: pick(ids.auth), amount, now: fc.boolean() }).map((x): ChargeEvent => ({
      type: 'ChargeAuthorizationRequested',
      data: { ...h, authorizationId: x.id, amount: x.amount, captureNow: x.now ? { captureId: 'cap_1' } : null },
    })),
    fc.record({ id: pick(ids.auth), amount }).map((x): ChargeEvent => ({
      type: 'ChargeAuthorizationPending',
      data: { ...h, authorizationId: x.id, amount: x.amount, providerReference: 'P', checkAfter: at(2) },
    })),
    fc.record({ id: pick(ids.auth), amount }).map((x): ChargeEvent => ({
      type: 'ChargeAuthorized',
      data: { ...h, authorizationId: x.id, amount: x.amount, providerReference: 'P', captureExpiresAt: at(9) },
    })),
    fc.record({ id: pick(ids.auth), amount }).map((x): ChargeEvent => ({
      type: 'ChargeAuthorizationDeclined',
      data: { ...h, authorizationId: x.id, amount: x.amount, failure: DECLINE },
    })),
    fc
      .record({ id: pick(ids.cap), amount })
      .map((x): ChargeEvent => ({ type: 'ChargeCaptureRequested', data: { ...h, captureId: x.id, amount: x.amount } })),
    fc.record({ id: pick(ids.cap), amount }).map((x): ChargeEvent => ({
      type: 'ChargeCaptured',
      data: { ...h, captureId: x.id, amount: x.amount, providerReference: 'P' },
    })),
    fc.record({ id: pick(ids.cap), amount }).map((x): ChargeEvent => ({
      type: 'ChargeCaptureFailed',
      data: { ...h, captureId: x.id, amount: x.amount, failure: DECLINE },
    })),
    fc.record({ id: pick(ids.void), amount }).map((x): ChargeEvent => ({
      type: 'ChargeVoidRequested',
      data: { ...h, voidId: x.id, amount: x.amount, reason: 'MERCHANT_REQUESTED' },
    })),
    fc.record({ id: pick(ids.void), amount }).map((x): ChargeEvent => ({
      type: 'ChargeVoided',
      data: { ...h, voidId: x.id, amount: x.amount, reason: 'MERCHANT_REQUESTED', providerReference: 'P' },
    })),
    fc.record({ id: pick(ids.void), amount }).map((x): ChargeEvent => ({
      type: 'ChargeVoidFailed',
      data: { ...h, voidId: x.id, amount: x.amount, reason: 'MERCHANT_REQUESTED', failure: DECLINE },
    })),
    fc
      .record({ id: pick(ids.refund), amount, step: fc.constantFrom('Pending', 'Succeeded', 'Failed') })
      .map((x): ChargeEvent =>
        x.step === 'Failed'
          ? { type: 'ChargeRefundFailed', data: { ...h, refundId: x.id, amount: x.amount, failure: DECLINE } }
          : {
              type: `ChargeRefund${x.step as 'Pending' | 'Succeeded'}`,
              data: { ...h, refundId: x.id, amount: x.amount },
            },
      ),
    fc.record({ id: pick(ids.cb), amount }).map((x): ChargeEvent => ({
      type: 'ChargeChargebackOpened',
      data: { ...h, chargebackId: x.id, amount: x.amount, reason: 'r' },
    })),
    fc
      .record({ id: pick(ids.cb), amount, outcome: fc.constantFrom<'WON' | 'LOST'>('WON', 'LOST') })
      .map((x): ChargeEvent => ({
        type: 'ChargeChargebackResolved',
        data: { ...h, chargebackId: x.id, amount: x.amount, outcome: x.outcome },
      })),
  );
  const streams = fc
    .tuple(
      fc.constantFrom<'AUTOMATIC' | 'MANUAL'>('AUTOMATIC', 'MANUAL'),
      fc.constantFrom<'CONSUMER' | 'MERCHANT'>('CONSUMER', 'MERCHANT'),
      fc.array(later, { maxLength: 25 }),
    )
    .map(([captureMethod, initiator, rest]) =>
      stored('charge:charge_1', CHARGE_EVENT_SCHEMA_VERSIONS, [chargeCreated({ captureMethod, initiator }), ...rest]),
    );

  it('yields as many merchant events as there are status changes (charge, its refunds, its chargebacks), each with data as chargeAsOf', () => {
    const progressTypes = new Set<string>([
      ...Object.values(CHARGE_REFUND_EVENT_TYPES),
      ...Object.values(CHARGE_CHARGEBACK_EVENT_TYPES),
    ]);
    fc.assert(
      fc.property(streams, (events) => {
        const yielded = merchantEventsOfStream('charge', events);
        // The oracle: the charge as GET shows it after each version, compared with the version before.
        let statusChanges = 0;
        let progressChanges = 0;
        let previous = null as ReturnType<typeof chargeAsOf>;
        for (const event of events) {
          const now = chargeAsOf(events, { upToVersion: event.streamVersion });
          const entries = (c: typeof now, key: 'refunds' | 'chargebacks') =>
            new Map((c?.[key] ?? []).map((e) => [e.id, e.status as string]));
          if (now && now.status !== previous?.status) statusChanges++;
          for (const key of ['refunds', 'chargebacks'] as const) {
            const before = entries(previous, key);
            for (const [id, status] of entries(now, key)) if (before.get(id) !== status) progressChanges++;
          }
          const mapping = WEBHOOK_MAPPINGS.charge[event.type as ChargeEvent['type']];
          // An event the table calls internal never changes a status (else merchants would miss the change).
          if (!mapping.merchantFacing) {
            const statuses = (c: typeof now) =>
              c &&
              [c.status, entries(c, 'refunds'), entries(c, 'chargebacks')].map((x) =>
                JSON.stringify(x instanceof Map ? [...x] : x),
              );
            expect(statuses(now)).toEqual(statuses(previous));
          }
          previous = now;
        }
        expect(yielded.filter((e) => !progressTypes.has(e.type))).toHaveLength(statusChanges);
        expect(yielded.filter((e) => progressTypes.has(e.type))).toHaveLength(progressChanges);
        // Each charge status event names the status its data shows, and the history grew by exactly these.
        const statusEvents = yielded.filter((e) => !progressTypes.has(e.type));
        for (const e of statusEvents) {
          expect(CHARGE_STATUS_EVENT_TYPES[e.data.status as keyof typeof CHARGE_STATUS_EVENT_TYPES]).toBe(e.type);
          expect(e.data).toEqual({
            ...chargeAsOf(events, { upToVersion: e.streamVersion }),
            streamVersion: e.streamVersion,
          });
        }
        expect(statusEvents).toHaveLength(chargeAsOf(events)!.history.length);
        expect(new Set(yielded.map((e) => e.id)).size).toBe(yielded.length);
      }),
      { numRuns: 300 },
    );
  });

  it('is the same folded one event at a time through the source as over the whole stream', () => {
    fc.assert(
      fc.property(streams, (events) => {
        let state = chargeMerchantEvents.initialState;
        const yielded: MerchantEvent[] = [];
        for (const event of events) {
          const after = chargeMerchantEvents.evolve(state, event);
          yielded.push(...chargeMerchantEvents.merchantEventsOf(state, after, event));
          state = after;
        }
        expect(yielded).toEqual(merchantEventsOfStream('charge', events));
      }),
      { numRuns: 100 },
    );
  });
});
