import { AMOUNT_TYPES, FREQUENCY_TYPES } from '@payment-ledger/contracts';
import { type Infer, integer, object, oneOf, optional, string } from '../http/body-schema';
import { RequestBody } from '../http/request-body';
import { MULTI_LINE_TEXT } from '../http/text-rules';
import {
  amount,
  authenticationSettings,
  consumer,
  merchantReference,
  paymentMethod,
  sandbox,
  webhooksUrl,
} from '../payment-charges/create-payment-charge.body';

/* The create-agreement body: one definition, which checks requests and is the OpenAPI document's model. */

const frequency = object(
  'FrequencyDto',
  {
    type: oneOf(FREQUENCY_TYPES, { example: 'MONTHLY' }),
    interval: integer({ minimum: 1, maximum: 366, example: 1 }),
  },
  { description: 'Bill on this schedule (the scheduler charges each period)' },
);

const initialPaymentCharge = object(
  'InitialPaymentChargeDto',
  { amount },
  { description: 'Charge this amount as soon as the consumer consents' },
);

export const createPaymentAgreementBody = new RequestBody(
  object('CreatePaymentAgreementDto', {
    paymentMethod,
    startDate: string({
      format: 'iso-8601',
      maxLength: 64,
      'x-failure-code': 'invalid_start_date',
      description: 'From when the agreement is valid (ISO 8601 date-time)',
      example: '2025-03-26T20:24:27Z',
    }),
    endDate: optional(
      string({
        format: 'iso-8601',
        maxLength: 64,
        'x-failure-code': 'invalid_end_date',
        description: 'Until when (ISO 8601 date-time)',
      }),
    ),
    consumer,
    authenticationSettings,
    initialPaymentCharge: optional(initialPaymentCharge),
    description: optional(
      string({ minLength: 1, maxLength: 500, pattern: MULTI_LINE_TEXT, example: 'Monthly subscription, Pro plan' }),
    ),
    frequency: optional(frequency),
    amount: optional({ ...amount, description: 'The agreed amount (see amountType)' }),
    amountType: optional(oneOf(AMOUNT_TYPES, { description: 'Default EXACT with an amount, VARIABLE without' })),
    merchantPaymentAgreementReference: merchantReference('subscription-42'),
    webhooksUrl,
    sandbox,
  }),
);
export type CreatePaymentAgreementBody = Infer<typeof createPaymentAgreementBody.schema>;
