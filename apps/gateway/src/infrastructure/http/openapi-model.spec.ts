import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Idempotency } from '../idempotency/idempotency';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { ApiKeyGuard } from '../merchants/api-key.guard';
import { createPaymentAgreementBody } from '../payment-agreements/create-payment-agreement.body';
import { PaymentAgreementsController } from '../payment-agreements/payment-agreements.controller';
import { createPaymentChargeBody } from '../payment-charges/create-payment-charge.body';
import { PaymentChargesController } from '../payment-charges/payment-charges.controller';
import { AgreementsClient, ChargesClient, SchedulerClient } from '../services/service.client';
import type { JsonSchema } from './body-schema';

/** The document the gateway serves at /docs-json, from its controllers alone (no database, no services). */
async function gatewayDocument(): Promise<OpenAPIObject> {
  const moduleRef = await Test.createTestingModule({
    controllers: [PaymentChargesController, PaymentAgreementsController],
    providers: [
      { provide: ChargesClient, useValue: {} },
      { provide: AgreementsClient, useValue: {} },
      { provide: SchedulerClient, useValue: {} },
      { provide: Idempotency, useValue: {} },
    ],
  })
    .overrideGuard(ApiKeyGuard)
    .useValue({ canActivate: () => true })
    .overrideInterceptor(IdempotencyInterceptor)
    .useValue({ intercept: () => undefined })
    .compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  await app.init();
  try {
    return SwaggerModule.createDocument(app, new DocumentBuilder().build());
  } finally {
    await app.close();
  }
}

/** A schema as the document writes it: without the gateway's own markers (title names the model). */
const asDocumented = ({ title: _title, ...schema }: JsonSchema) => schema;

describe('the OpenAPI document’s bodies', () => {
  let document: OpenAPIObject;
  beforeAll(async () => {
    document = await gatewayDocument();
  });
  const model = (name: string) => document.components?.schemas?.[name] as JsonSchema;
  const bodyOf = (path: string) =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a request body, checked by path
    (document.paths[path].post?.requestBody as any).content['application/json'].schema;

  it('describes every POST body by a model named as before', () => {
    expect(bodyOf('/v1/payment-charges')).toEqual({ $ref: '#/components/schemas/CreatePaymentChargeDto' });
    expect(bodyOf('/v1/payment-charges/{id}/captures')).toEqual({
      $ref: '#/components/schemas/CapturePaymentChargeDto',
    });
    expect(bodyOf('/v1/payment-charges/{id}/voids')).toEqual({ $ref: '#/components/schemas/VoidPaymentChargeDto' });
    expect(bodyOf('/v1/payment-agreements')).toEqual({ $ref: '#/components/schemas/CreatePaymentAgreementDto' });
    expect(bodyOf('/v1/payment-agreements/{id}/payment-charges')).toEqual({
      $ref: '#/components/schemas/ChargePaymentAgreementDto',
    });
    expect(bodyOf('/v1/payment-agreements/{id}/revocations')).toEqual({
      $ref: '#/components/schemas/RevokePaymentAgreementDto',
    });
    expect(bodyOf('/v1/payment-agreements/{id}/test-clock/advances')).toEqual({
      $ref: '#/components/schemas/AdvanceTestClockDto',
    });
  });

  it('takes each field’s constraints from the schema requests are checked against', () => {
    const charge = createPaymentChargeBody.schema;
    expect(model('CreatePaymentChargeDto').required).toEqual(charge.required);
    const amount = charge.properties!.amount;
    expect(model('AmountDto').properties).toEqual(amount.properties);
    expect(model('AmountDto').required).toEqual(amount.required);
    const consumer = charge.properties!.consumer;
    expect(model('ConsumerDto').properties).toEqual(consumer.properties);
    expect(model('ConsumerDto').properties!.name).toMatchObject({ minLength: 1, maxLength: 200 });
    expect(model('CreatePaymentChargeDto').properties!.merchantPaymentChargeReference).toEqual(
      asDocumented(charge.properties!.merchantPaymentChargeReference),
    );
    expect(model('CreatePaymentChargeDto').properties!.authenticationSettings).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: 5,
      items: { $ref: '#/components/schemas/AuthenticationSettingDto' },
    });
    expect(model('RedirectSettingsDto').properties).toEqual(
      charge.properties!.authenticationSettings.items!.properties!.settings.properties,
    );
    const agreement = createPaymentAgreementBody.schema;
    expect(model('CreatePaymentAgreementDto').required).toEqual(agreement.required);
    for (const field of ['startDate', 'endDate', 'description', 'amountType', 'webhooksUrl']) {
      expect(model('CreatePaymentAgreementDto').properties![field]).toEqual(asDocumented(agreement.properties![field]));
    }
    expect(model('FrequencyDto').properties).toEqual(agreement.properties!.frequency.properties);
  });
});
