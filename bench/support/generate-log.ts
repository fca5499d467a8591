/**
 * A generated event log for the replay benchmarks (export, rebuild): charges as the charges service records them
 * (created, authenticated through the redirect, authorized, captured at once or later, a few declined) and, for some,
 * a refund in the refunds service's `refund:<chargeId>` stream with its progress recorded back on the charge; typed
 * with the contracts' event shapes (so a contract change breaks this file, not a benchmark's numbers); the CLI's
 * integration tests fold generated charges with the contracts' parsers and models. Charges overlap in the log as under load: a cohort of charges
 * advances a step at a time, so one charge's events are spread over the log.
 *
 * Written straight into `events` with multi-row INSERTs (one statement, one transaction, per `rowsPerInsert` rows):
 * the services' append path would take minutes per million, which is not what these benchmarks measure.
 *
 * Run on its own against a migrated database (it appends; it does not clear):
 *   DATABASE_URL=postgres://…/some_db npm run migrate
 *   DATABASE_URL=postgres://…/some_db node -r ts-node/register/transpile-only -r tsconfig-paths/register \
 *     bench/support/generate-log.ts 1000000
 */
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import {
  CHARGE_EVENT_SCHEMA_VERSIONS,
  type ChargeEvent,
  type ChargeFailure,
  newId,
  REFUND_EVENT_SCHEMA_VERSIONS,
  type RefundEvent,
  refundStreamId,
} from '@payment-ledger/contracts';
import type { EventMetadata } from '@payment-ledger/event-store';
import { env, loadConfig } from '@payment-ledger/platform';
import { seededRandom } from '../../test/support/seeded-random';

export interface GenerateLogOptions {
  /** About how many events to write (the last cohort's charges are finished, so a few more). */
  events: number;
  /** How many merchants the charges belong to (round robin). */
  merchants?: number;
  /** The first event's time; events are spread evenly over `spanDays` from it. */
  start?: Date;
  spanDays?: number;
  /** Charges in flight at once (their events interleave in the log). */
  cohort?: number;
  rowsPerInsert?: number;
  /** Called after each INSERT with the events written so far. */
  onProgress?: (written: number) => void;
}

export interface GeneratedLog {
  events: number;
  charges: number;
  refunds: number;
  merchantIds: string[];
  /** The time of the first and last event. */
  from: Date;
  to: Date;
}

/** One event of the generated log before its time and position are known. */
export interface GeneratedEvent {
  streamId: string;
  streamType: 'charge' | 'refund';
  event: ChargeEvent | RefundEvent;
  metadata: EventMetadata;
}

const DECLINE: ChargeFailure = {
  failureType: 'PROVIDER_DECLINE',
  failureCode: 'payment_method_declined',
  providerFailureCode: 'HardDeclined',
  failureMessage: 'Amazon Pay declined the charge',
  isRetryable: false,
};

/**
 * The steps of one charge's life, each a list of events appended together (one command), with `at` filled in when
 * the step is written. Mix: 5% declined, 25% manual capture, 20% of the captured refunded (in full or in part).
 */
export function chargeLife(
  merchantId: string,
  merchantName: string,
  roll: () => number,
): ((at: string) => GeneratedEvent[])[] {
  const chargeId = newId('charge');
  const stream = `charge:${chargeId}`;
  const amount = 50 + Math.floor(roll() * 200_000); // 0.50 to 2,000.50 USD in cents
  const manual = roll() < 0.25;
  const declined = roll() < 0.05;
  const refundAmount = roll() < 0.2 ? (roll() < 0.5 ? amount : Math.max(1, Math.floor(amount / 3))) : 0;
  const correlationId = newId('event').replace('evt_', 'corr_');
  const byMerchant: EventMetadata = { correlationId, merchantId, actor: `merchant:${merchantId}` };
  const charge = (event: ChargeEvent, metadata: EventMetadata = byMerchant): GeneratedEvent => ({
    streamId: stream,
    streamType: 'charge',
    event,
    metadata,
  });
  const history = () => newId('history');
  const authorizationId = newId('authorization');
  const captureId = newId('capture');
  const providerRef = (kind: string) => `S01-${kind}-${chargeId.slice(-12)}`;

  const steps: ((at: string) => GeneratedEvent[])[] = [
    (at) => [
      charge({
        type: 'ChargeCreated',
        data: {
          historyId: history(),
          at,
          chargeId,
          merchant: { id: merchantId, name: merchantName },
          paymentMethod: 'AMAZON_PAY',
          amount: { value: amount, currency: 'USD' },
          consumer: { name: 'Jane Doe', country: 'US' },
          captureMethod: manual ? 'MANUAL' : 'AUTOMATIC',
          initiator: 'CONSUMER',
          agreementId: null,
          instrumentId: null,
          returnUrl: 'https://shop.example/return',
          webhooksUrl: null,
          merchantPaymentChargeReference: `order-${chargeId.slice(-10)}`,
          simulationCode: null,
          authentication: {
            type: 'REDIRECT',
            requestUrl: `https://sandbox.example/pay?token=${chargeId.slice(-16)}`,
            requestMethod: 'GET',
          },
          authenticationExpiresAt: new Date(Date.parse(at) + 10 * 60_000).toISOString(),
        },
      }),
    ],
    (at) => [
      charge(
        { type: 'ChargeAuthenticationCompleted', data: { historyId: history(), at } },
        { correlationId, actor: 'consumer' },
      ),
      charge(
        {
          type: 'ChargeAuthorizationRequested',
          data: { historyId: history(), at, authorizationId, amount, captureNow: manual ? null : { captureId } },
        },
        { correlationId, actor: 'consumer' },
      ),
    ],
    (at) =>
      declined
        ? [
            charge(
              {
                type: 'ChargeAuthorizationDeclined',
                data: { historyId: history(), at, authorizationId, amount, failure: DECLINE },
              },
              { correlationId, actor: 'consumer' },
            ),
          ]
        : [
            charge(
              {
                type: 'ChargeAuthorized',
                data: {
                  historyId: history(),
                  at,
                  authorizationId,
                  amount,
                  providerReference: providerRef('A'),
                  captureExpiresAt: new Date(Date.parse(at) + 7 * 86_400_000).toISOString(),
                },
              },
              { correlationId, actor: 'consumer' },
            ),
            ...(manual
              ? []
              : [
                  charge(
                    {
                      type: 'ChargeCaptured',
                      data: { historyId: history(), at, captureId, amount, providerReference: providerRef('C') },
                    },
                    { correlationId, actor: 'consumer' },
                  ),
                ]),
          ],
  ];
  if (declined) return steps;
  if (manual) {
    steps.push((at) => [
      charge({ type: 'ChargeCaptureRequested', data: { historyId: history(), at, captureId, amount } }),
      charge({
        type: 'ChargeCaptured',
        data: { historyId: history(), at, captureId, amount, providerReference: providerRef('C') },
      }),
    ]);
  }
  if (refundAmount > 0) {
    const refundId = newId('refund');
    const refundStream = refundStreamId(chargeId);
    const refund = (event: RefundEvent): GeneratedEvent => ({
      streamId: refundStream,
      streamType: 'refund',
      event,
      metadata: byMerchant,
    });
    const progress = { correlationId, actor: 'charges-refund-progress' };
    steps.push(
      (at) => [
        refund({
          type: 'RefundRequested',
          data: {
            at,
            refundId,
            chargeId,
            merchantId,
            paymentMethod: 'AMAZON_PAY',
            amount: { value: refundAmount, currency: 'USD' },
            reason: 'item returned',
            merchantRefundReference: null,
            simulationCode: null,
          },
        }),
      ],
      (at) => [
        refund({
          type: 'RefundSucceeded',
          data: { at, refundId, amount: refundAmount, providerReference: providerRef('R') },
        }),
        charge(
          { type: 'ChargeRefundPending', data: { historyId: history(), at, refundId, amount: refundAmount } },
          progress,
        ),
      ],
      (at) => [
        charge(
          { type: 'ChargeRefundSucceeded', data: { historyId: history(), at, refundId, amount: refundAmount } },
          progress,
        ),
      ],
    );
  }
  return steps;
}

const INSERT_SQL = `
  INSERT INTO events (stream_id, stream_type, stream_version, event_id, event_type, schema_version, data, metadata,
                      recorded_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[],
                       $9::timestamptz[])`;

/** Appends about `options.events` generated events to the log of `pool`'s database. */
export async function generateLog(pool: Pool, options: GenerateLogOptions): Promise<GeneratedLog> {
  const merchantCount = options.merchants ?? 50;
  const cohortSize = options.cohort ?? 500;
  const rowsPerInsert = options.rowsPerInsert ?? 5_000;
  const start = options.start ?? new Date(Date.UTC(2026, 0, 1));
  const stepMs = ((options.spanDays ?? 30) * 86_400_000) / Math.max(1, options.events);
  const roll = seededRandom(42);
  const merchantIds = Array.from({ length: merchantCount }, () => newId('merchant'));
  const versions = new Map<string, number>();
  const rows: unknown[][] = [[], [], [], [], [], [], [], [], []];
  let written = 0;
  let pending = 0;
  let charges = 0;
  let refunds = 0;

  const flush = async () => {
    if (pending === 0) return;
    await pool.query(INSERT_SQL, rows);
    written += pending;
    pending = 0;
    for (const column of rows) column.length = 0;
    options.onProgress?.(written);
  };

  while (written + pending < options.events) {
    const cohort = Array.from({ length: cohortSize }, () => {
      const merchant = charges % merchantCount;
      charges += 1;
      return chargeLife(merchantIds[merchant], `Merchant ${merchant + 1}`, roll);
    });
    for (let step = 0; cohort.some((life) => step < life.length); step++) {
      for (const life of cohort) {
        if (step >= life.length) continue;
        const at = new Date(start.getTime() + Math.floor((written + pending) * stepMs));
        for (const generated of life[step](at.toISOString())) {
          const version = (versions.get(generated.streamId) ?? 0) + 1;
          versions.set(generated.streamId, version);
          if (generated.event.type === 'RefundRequested') refunds += 1;
          const schemaVersion =
            generated.streamType === 'charge'
              ? CHARGE_EVENT_SCHEMA_VERSIONS[(generated.event as ChargeEvent).type]
              : REFUND_EVENT_SCHEMA_VERSIONS[(generated.event as RefundEvent).type];
          const row = [
            generated.streamId,
            generated.streamType,
            version,
            newId('event'),
            generated.event.type,
            schemaVersion,
            JSON.stringify(generated.event.data),
            JSON.stringify(generated.metadata),
            at,
          ];
          row.forEach((value, i) => rows[i].push(value));
          pending += 1;
        }
        if (pending >= rowsPerInsert) await flush();
      }
    }
    // A finished cohort's streams get no more events: forget their versions (memory stays flat for any size).
    versions.clear();
  }
  await flush();
  return {
    events: written,
    charges,
    refunds,
    merchantIds,
    from: start,
    to: new Date(start.getTime() + Math.floor((written - 1) * stepMs)),
  };
}

async function main(): Promise<void> {
  const { positionals } = parseArgs({ allowPositionals: true });
  const events = Number(positionals[0] ?? 1_000_000);
  if (!Number.isInteger(events) || events < 1) throw new Error('usage: generate-log.ts [events]');
  const config = loadConfig({ DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }) });
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  const started = performance.now();
  try {
    const log = await generateLog(pool, {
      events,
      onProgress: (written) => process.stderr.write(`\r${written} events`),
    });
    process.stderr.write('\n');
    console.log(JSON.stringify({ ...log, seconds: Math.round((performance.now() - started) / 100) / 10 }));
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
