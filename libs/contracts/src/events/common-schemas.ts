/**
 * Schemas of the types several event payloads share (`Money`, `ChargeFailure`, ...). docs/events.md lists them once
 * under their names (`SHARED_SCHEMAS`) and payload fields refer to them by name.
 */
import type { Money } from '../money';
import type { Frequency } from '../payment-agreement';
import { FREQUENCY_TYPES } from '../payment-agreement';
import { type ChargeFailure, type Consumer, SIMULATION_CODES } from '../payment-charge';
import { integer, literal, named, noted, nullable, object, oneOf, type Schema, string, boolean } from './schema';

export const moneySchema: Schema<Money> = named(
  'Money',
  object<Money>({
    value: noted(integer, 'minor units (1999 is 19.99 USD)'),
    currency: noted(string, 'ISO 4217'),
  }),
);

export const chargeFailureSchema: Schema<ChargeFailure> = named(
  'ChargeFailure',
  object<ChargeFailure>({
    failureType: literal('INTERNAL_DECLINE', 'PROVIDER_DECLINE', 'PROVIDER_ERROR', 'INTERNAL_ERROR'),
    failureCode: string,
    providerFailureCode: nullable(string),
    failureMessage: string,
    isRetryable: boolean,
  }),
);

export const consumerSchema: Schema<Consumer> = named(
  'Consumer',
  object<Consumer>({ name: string, country: noted(string, 'ISO 3166-1 alpha-2') }),
);

export const simulationCodeSchema = oneOf(SIMULATION_CODES, 'SimulationCode');

export const frequencySchema: Schema<Frequency> = named(
  'Frequency',
  object<Frequency>({ type: oneOf(FREQUENCY_TYPES, 'FrequencyType'), interval: noted(integer, '1..366') }),
);

export const paymentMethodSchema = literal('AMAZON_PAY');

export const redirectSchema = named(
  'Redirect',
  object<{ type: 'REDIRECT'; requestUrl: string; requestMethod: 'GET' }>({
    type: literal('REDIRECT'),
    requestUrl: string,
    requestMethod: literal('GET'),
  }),
);

/** Every status-changing payload starts with these two. */
export const statusChange = {
  historyId: noted(string, 'the history entry this event adds'),
  at: noted(string, 'ISO 8601, from the service clock'),
};

/** The shared types docs/events.md lists once, by name. */
export const SHARED_SCHEMAS: ReadonlyArray<Schema<unknown>> = [
  moneySchema,
  chargeFailureSchema,
  consumerSchema,
  frequencySchema,
  redirectSchema,
];

/** Named lists of literals the docs spell out. */
export const SHARED_ENUMS: ReadonlyArray<{ name: string; values: readonly string[] }> = [
  { name: 'SimulationCode', values: SIMULATION_CODES },
  { name: 'FrequencyType', values: FREQUENCY_TYPES },
];
