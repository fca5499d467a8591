/**
 * The webhooks service's tables as its TypeORM entities, on real PostgreSQL: each entity is its migrated table
 * (every column, type and nullability), and what the deliveries' SQL writes reads back through the repositories that
 * the delivery log reads with (EventDeliveryLogStore).
 */
import type { DataSource } from 'typeorm';
import { entityAndTableColumns, entityDataSource } from '../../../../test/support/entity-schema';
import { TestDatabase } from '../../../../test/support/test-database';
import { EventDeliveryLogStore } from './event-delivery-log.store';
import { MerchantEventEntity } from './merchant-event.entity';
import { ProviderNotificationEntity } from './provider-notification.entity';
import { WEBHOOK_ENTITIES, WebhookAttemptEntity, WebhookDeliveryEntity } from './webhook.entities';

const ENTITIES = [...WEBHOOK_ENTITIES, MerchantEventEntity, ProviderNotificationEntity];

let db: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  db = await TestDatabase.create({ poolSize: 2 });
  dataSource = await entityDataSource(db.url, ENTITIES);
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

it.each(ENTITIES)('%p is its migrated table', async (entity) => {
  const { entity: columns, table } = await entityAndTableColumns(dataSource, entity);
  expect(columns).toEqual(table);
});

it("reads back an event's deliveries and their attempts, as the SQL wrote them, through the repositories", async () => {
  const at = new Date('2026-03-01T12:00:00.000Z');
  await db.pool.query(
    `INSERT INTO webhook_deliveries (delivery_id, merchant_id, target_url, lane, event_id, event_type, object_id, payload,
                                     status, attempts, created_at, updated_at, correlation_id, causation_id, redelivery)
     VALUES ('whd_1', 'mer_1', 'https://example.com/own', 'url:https://example.com/own|chg_1', 'evt_1',
             'PAYMENT_CHARGE_FAILED', 'chg_1', '{}', 'SUCCEEDED', 2, $1, $1, 'corr-1', 'evt_1', false),
            ('whd_2', 'mer_1', 'https://example.com/own', 'url:https://example.com/own|chg_1', 'evt_1',
             'PAYMENT_CHARGE_FAILED', 'chg_1', '{}', 'PENDING', 0, $1, $1, NULL, NULL, true)`,
    [at],
  );
  await db.pool.query(
    `INSERT INTO webhook_attempts (delivery_id, merchant_id, attempt_number, url, request_headers, response_status,
                                   response_body, latency_ms, error, attempted_at, correlation_id, causation_id)
     VALUES ('whd_1', 'mer_1', 1, 'https://example.com/own', '{"webhook-id":"evt_1"}', NULL, NULL, 15000,
             'timeout: no answer', $1, 'corr-1', 'evt_1'),
            ('whd_1', 'mer_1', 2, 'https://example.com/own', '{"webhook-id":"evt_1"}', 200, 'ok', 12, NULL, $1,
             'corr-1', 'evt_1')`,
    [at],
  );
  expect(await dataSource.getRepository(WebhookAttemptEntity).findOneByOrFail({ attemptNumber: 2 })).toMatchObject({
    deliveryId: 'whd_1',
    requestHeaders: { 'webhook-id': 'evt_1' },
    correlationId: 'corr-1',
    causationId: 'evt_1',
  });
  const store = new EventDeliveryLogStore(
    db.pool,
    dataSource.getRepository(WebhookDeliveryEntity),
    dataSource.getRepository(WebhookAttemptEntity),
  );
  expect(await store.deliveriesOfEvent('mer_other', 'evt_1')).toEqual([]);
  expect(await store.deliveriesOfEvent('mer_1', 'evt_1')).toEqual([
    {
      deliveryId: 'whd_1',
      eventId: 'evt_1',
      webhookEndpointId: null,
      status: 'SUCCEEDED',
      attemptCount: 2,
      nextAttemptTimestamp: null,
      redelivery: false,
      creationTimestamp: at.toISOString(),
      attempts: [
        expect.objectContaining({ attemptNumber: 1, responseStatus: null, error: 'timeout: no answer' }),
        {
          attemptNumber: 2,
          url: 'https://example.com/own',
          requestHeaders: { 'webhook-id': 'evt_1' },
          responseStatus: 200,
          responseBody: 'ok',
          latencyMs: 12,
          error: null,
          attemptTimestamp: at.toISOString(),
        },
      ],
    },
    expect.objectContaining({ deliveryId: 'whd_2', status: 'PENDING', redelivery: true, attempts: [] }),
  ]);
});
