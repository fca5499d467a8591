import { SIMULATION_CODES } from '@payment-ledger/contracts';
import { BodyValidator, type ObjectSchema, rules } from '../http/body-validator';
import type { CreatePaymentChargeDto } from './create-payment-charge.dto';

/** An array (or anything else) where an object belongs is a wrong value, even when its items are checked too. */
const AN_OBJECT = { code: 'invalid_field' };
const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

const amount: ObjectSchema = {
  value: {
    rules: [
      rules.max(Number.MAX_SAFE_INTEGER),
      rules.min(1, { message: 'amount.value must be positive' }),
      rules.isInt({ message: 'amount.value must be an integer number of minor units' }),
    ],
  },
  currency: {
    rules: [
      rules.matches(/^[A-Z]{3}$/, { message: 'amount.currency must be an ISO 4217 code such as USD' }),
      rules.isString(),
    ],
  },
};

const consumer: ObjectSchema = {
  name: { rules: [rules.maxLength(200), rules.isNotEmpty(), rules.isString()] },
  country: {
    rules: [rules.isISO31661Alpha2({ message: 'consumer.country must be an ISO 3166-1 alpha-2 code such as US' })],
  },
};

const redirectSettings: ObjectSchema = {
  returnUrl: {
    rules: [
      rules.isUrl(URL_OPTIONS, { message: 'returnUrl must be an absolute URL', code: 'invalid_return_url' }),
      rules.maxLength(2048),
      rules.isString(),
    ],
  },
};

const authenticationSetting: ObjectSchema = {
  type: {
    rules: [
      rules.equals('REDIRECT', {
        message: 'only REDIRECT authentication is supported',
        code: 'authentication_method_not_supported',
      }),
    ],
  },
  settings: { rules: [rules.isObject(AN_OBJECT)], nested: { fields: redirectSettings } },
};

const sandboxOptions: ObjectSchema = {
  simulationCode: { rules: [rules.isIn(SIMULATION_CODES, { code: 'invalid_simulation_code' })] },
};

/**
 * The rules of CreatePaymentChargeDto's decorators, checked without class-validator on the busiest request of the
 * API. Each field's rules are in class-validator's order (the decorators read bottom up); the spec beside this file
 * holds the two to the same answers.
 */
export const createPaymentChargeValidator = new BodyValidator<CreatePaymentChargeDto>({
  paymentMethod: {
    rules: [
      rules.isIn(['AMAZON_PAY'], { message: 'paymentMethod must be AMAZON_PAY', code: 'payment_method_not_supported' }),
    ],
  },
  amount: { rules: [rules.isObject(AN_OBJECT)], nested: { fields: amount } },
  consumer: { rules: [rules.isObject(AN_OBJECT)], nested: { fields: consumer } },
  authenticationSettings: {
    rules: [
      rules.isObject({ ...AN_OBJECT, each: true }),
      rules.arrayMaxSize(5),
      rules.arrayMinSize(1),
      rules.isArray(),
    ],
    nested: { fields: authenticationSetting, each: true },
  },
  merchantPaymentChargeReference: {
    optional: true,
    rules: [rules.maxLength(255), rules.isNotEmpty(), rules.isString()],
  },
  captureMethod: { optional: true, rules: [rules.isIn(['AUTOMATIC', 'MANUAL'])] },
  webhooksUrl: { optional: true, rules: [rules.isUrl(URL_OPTIONS), rules.maxLength(2048), rules.isString()] },
  sandbox: { optional: true, rules: [rules.isObject(AN_OBJECT)], nested: { fields: sandboxOptions } },
});
