/**
 * A merchant's program written against a client generated from the API document with openapi-typescript, the way
 * docs/api.md tells merchants to: `api.d.ts` beside it is generated afresh by test/integration/api-contract.int-spec.ts,
 * which compiles this file under `tsc --strict` (no casts anywhere: a type the document gets wrong fails the compile)
 * and then runs it against a real stack. It is excluded from the repository's own compile, which has no `api.d.ts`.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './api';

type PaymentCharge = components['schemas']['PaymentCharge'];
type PaymentAgreement = components['schemas']['PaymentAgreement'];

export interface MerchantRun {
  charge: PaymentCharge;
  listed: string[];
  agreement: PaymentAgreement;
  agreementCharge: PaymentCharge;
}

/** `consent` stands for the consumer approving the agreement on Amazon Pay's page. */
export async function runMerchantProgram(
  baseUrl: string,
  apiKey: string,
  consent: (agreement: PaymentAgreement) => Promise<void>,
): Promise<MerchantRun> {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });

  // Seed 001's charge, its body verbatim.
  const created = await client.POST('/v1/payment-charges', {
    params: { header: { 'Request-Idempotency-Key': `seed-001-${Date.now()}` } },
    body: {
      paymentMethod: 'AMAZON_PAY',
      amount: {
        value: 1000,
        currency: 'USD',
      },
      consumer: {
        name: 'John Smith',
        country: 'US',
      },
      authenticationSettings: [
        {
          type: 'REDIRECT',
          settings: {
            returnUrl: 'https://www.your-return-page.com/',
          },
        },
      ],
    },
  });
  if (!created.data) throw new Error(`create charge: ${created.error.failureCode} ${created.error.failureMessage}`);
  const redirectTo: string = created.data.authenticationMethods[0].details.requestUrl;
  if (!redirectTo.startsWith('http')) throw new Error('no redirect URL');

  const read = await client.GET('/v1/payment-charges/{id}', { params: { path: { id: created.data.id } } });
  if (!read.data) throw new Error(`get charge: ${read.error.failureCode}`);
  const charge: PaymentCharge = read.data;

  // Every charge, two per page, following nextCursor.
  const listed: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.GET('/v1/payment-charges', { params: { query: { limit: 2, startingAfter: cursor } } });
    if (!page.data) throw new Error(`list charges: ${page.error.failureCode}`);
    listed.push(...page.data.data.map((c) => c.id));
    cursor = page.data.nextCursor ?? undefined;
  } while (cursor !== undefined);

  // Seed 001's agreement, its body verbatim; the consumer approves; then a merchant-initiated charge of $80.00.
  const agreement = await client.POST('/v1/payment-agreements', {
    body: {
      paymentMethod: 'AMAZON_PAY',
      startDate: '2025-03-26T20:24:27Z',
      consumer: {
        name: 'John Smith',
        country: 'US',
      },
      authenticationSettings: [
        {
          type: 'REDIRECT',
          settings: {
            returnUrl: 'https://www.your-return-page.com/',
          },
        },
      ],
      initialPaymentCharge: {
        amount: {
          value: 1000,
          currency: 'USD',
        },
      },
    },
  });
  if (!agreement.data) throw new Error(`create agreement: ${agreement.error.failureCode}`);
  await consent(agreement.data);

  const charged = await client.POST('/v1/payment-agreements/{id}/payment-charges', {
    params: { path: { id: agreement.data.id } },
    body: { amount: { value: 8000, currency: 'USD' } },
  });
  if (!charged.data) {
    const { failureCode, currentStatus } = charged.error;
    throw new Error(`charge agreement: ${failureCode} ${currentStatus ?? ''}`);
  }
  return { charge, listed, agreement: agreement.data, agreementCharge: charged.data };
}
