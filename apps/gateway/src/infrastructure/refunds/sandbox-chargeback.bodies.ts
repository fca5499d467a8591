import { REFUND_TEXT_MAX_LENGTH } from '@payment-ledger/contracts';
import { type Infer, integer, object, oneOf, string } from '../http/body-schema';
import { RequestBody } from '../http/request-body';
import { MULTI_LINE_TEXT } from '../http/text-rules';

/*
 * Sandbox only: what the sandbox provider is told to do to a charge, as a real provider's dispute would. Whether the
 * charge can take the chargeback (captured, enough left) is the refunds service's rule.
 */

export const openChargebackBody = new RequestBody(
  object('OpenChargebackDto', {
    amount: integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Minor units of the charge currency the consumer disputes',
      example: 1000,
    }),
    reason: string({
      minLength: 1,
      maxLength: REFUND_TEXT_MAX_LENGTH,
      pattern: MULTI_LINE_TEXT,
      description: "The consumer's reason for the dispute, as the provider reports it",
      example: 'product not received',
    }),
  }),
);
export type OpenChargebackBody = Infer<typeof openChargebackBody.schema>;

export const resolveChargebackBody = new RequestBody(
  object('ResolveChargebackDto', {
    outcome: oneOf(['WON', 'LOST'], {
      description: 'WON: the amount comes back to you (and is refundable again); LOST: it stays with the consumer',
      example: 'WON',
    }),
  }),
);
export type ResolveChargebackBody = Infer<typeof resolveChargebackBody.schema>;
