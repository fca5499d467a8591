import { object, optional, string } from '../http/body-schema';
import { RequestBody } from '../http/request-body';
import { MULTI_LINE_TEXT } from '../http/text-rules';

export const revokePaymentAgreementBody = new RequestBody(
  object('RevokePaymentAgreementDto', {
    description: optional(
      string({
        maxLength: 500,
        pattern: MULTI_LINE_TEXT,
        description: 'Why the merchant revokes (kept for your records)',
      }),
    ),
  }),
);
