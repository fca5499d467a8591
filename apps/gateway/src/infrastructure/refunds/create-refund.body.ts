import { REFUND_SIMULATION_CODES, REFUND_TEXT_MAX_LENGTH } from '@payment-ledger/contracts';
import { type Infer, integer, object, oneOf, optional, string } from '../http/body-schema';
import { RequestBody } from '../http/request-body';
import { MULTI_LINE_TEXT, SINGLE_LINE_TEXT } from '../http/text-rules';

/**
 * `POST /v1/payment-charges/{id}/refunds`. How much may be refunded (what was captured, less the refunds and
 * chargebacks that hold part of it), and when, is the refunds service's rule; here only the shape.
 */
export const createRefundBody = new RequestBody(
  object('CreateRefundDto', {
    amount: optional(
      integer({
        minimum: 1,
        maximum: Number.MAX_SAFE_INTEGER,
        description:
          'Minor units of the charge currency to refund; omit to refund everything still refundable. Several ' +
          'partial refunds add up to at most what was captured.',
        example: 250,
      }),
    ),
    reason: optional(
      string({
        maxLength: REFUND_TEXT_MAX_LENGTH,
        pattern: MULTI_LINE_TEXT,
        description: 'Why the money goes back (kept for your records)',
        example: 'item returned',
      }),
    ),
    merchantRefundReference: optional(
      string({
        minLength: 1,
        maxLength: REFUND_TEXT_MAX_LENGTH,
        pattern: SINGLE_LINE_TEXT,
        description: 'Your own reference for this refund (a return or credit-note number)',
        example: 'return-5678',
      }),
    ),
    sandbox: optional(
      object(
        'RefundSandboxOptionsDto',
        {
          simulationCode: oneOf(REFUND_SIMULATION_CODES, {
            'x-failure-code': 'invalid_simulation_code',
            description:
              'Force a sandbox refund outcome (sandbox merchants only): RefundDeclined fails it, RefundDelayed ' +
              'leaves it REFUND_PENDING until the provider settles it later',
            example: 'RefundDelayed',
          }),
        },
        { description: 'Sandbox only: force a simulated refund outcome' },
      ),
    ),
  }),
);
export type CreateRefundBody = Infer<typeof createRefundBody.schema>;
