import { type Infer, integer, object, optional, string } from '../http/body-schema';
import { RequestBody } from '../http/request-body';
import { MULTI_LINE_TEXT } from '../http/text-rules';

export const capturePaymentChargeBody = new RequestBody(
  object('CapturePaymentChargeDto', {
    amount: optional(
      integer({
        minimum: 1,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'Minor units to capture; omit to capture everything still authorized',
        example: 600,
      }),
    ),
  }),
);
export type CapturePaymentChargeBody = Infer<typeof capturePaymentChargeBody.schema>;

/** A void releases everything authorized and not captured; it takes only an optional note. */
export const voidPaymentChargeBody = new RequestBody(
  object('VoidPaymentChargeDto', {
    description: optional(
      string({
        maxLength: 500,
        pattern: MULTI_LINE_TEXT,
        description: 'Why the authorization is released (kept for your records)',
        example: 'order canceled',
      }),
    ),
  }),
);
