/**
 * Payment agreements through the real gateway, agreements and charges services (TCP between them, real
 * PostgreSQL and Kafka): seed 001's agreement, consent on the provider's page, merchant-initiated charges and their
 * amount rules, revocation, lists.
 */
import { newId } from '@payment-ledger/contracts';
import { AgreementRepository } from '../../apps/agreements/src/application/agreement-repository';
import { CompleteAgreementCheckoutHandler } from '../../apps/agreements/src/application/complete-agreement-checkout.handler';
import { apiClient, PaymentStack, SEED_001_AGREEMENT } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

let db: TestDatabase;
let stack: PaymentStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db).start();
  api = apiClient(stack.baseUrl, (await stack.merchant('Acme Rides')).apiKey);
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

const tokenOf = (agreement: { authenticationMethods: { details: { requestUrl: string } }[] }) =>
  new URL(agreement.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';

async function consent(
  agreement: { id: string; authenticationMethods: { details: { requestUrl: string } }[] },
  decision: 'APPROVE' | 'CANCEL' = 'APPROVE',
) {
  return stack.agreements
    .get(CompleteAgreementCheckoutHandler)
    .complete({ agreementId: agreement.id, token: tokenOf(agreement), decision, correlationId: 'test' });
}

async function createAgreement(body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await api('POST', '/v1/payment-agreements', { ...SEED_001_AGREEMENT, ...body }, headers);
  expect(response.status).toBe(201);
  return response.body;
}

async function activeAgreement(body: Record<string, unknown> = {}) {
  const agreement = await createAgreement({ initialPaymentCharge: undefined, ...body });
  await consent(agreement);
  return agreement;
}

describe('payment agreements', () => {
  it('takes seed 001’s body verbatim and answers with its response shape', async () => {
    const agreement = await createAgreement();
    expect(agreement.id).toMatch(/^agr_[0-9a-f]{32}$/);
    expect(agreement.instrumentId).toMatch(/^instr_/);
    expect(agreement.initialPaymentChargeId).toMatch(/^charge_/);
    expect(agreement).toMatchObject({
      status: 'AUTHENTICATION_PENDING',
      paymentMethod: 'AMAZON_PAY',
      startDate: '2025-03-26T20:24:27.000Z',
      consumer: { name: 'John Smith', country: 'US' },
      authenticationMethods: [{ type: 'REDIRECT', details: { requestMethod: 'GET' } }],
      history: [{ status: 'AUTHENTICATION_PENDING' }],
    });
    expect(agreement.history[0].id).toMatch(/^ahist_/);
    expect(agreement.authenticationMethods[0].details.requestUrl).toContain(
      `/amazon-pay/agreements/${agreement.id}?token=`,
    );
    expect((await api('GET', `/v1/payment-agreements/${agreement.id}`)).body).toEqual(agreement);
  });

  it('activates on consent and makes the initial charge without the consumer', async () => {
    const agreement = await createAgreement();
    const view = await consent(agreement);
    expect(view.status).toBe('ACTIVE');
    const after = (await api('GET', `/v1/payment-agreements/${agreement.id}`)).body;
    expect(after.history.map((h: { status: string }) => h.status)).toEqual(['AUTHENTICATION_PENDING', 'ACTIVE']);
    const charge = (await api('GET', `/v1/payment-charges/${agreement.initialPaymentChargeId}`)).body;
    expect(charge).toMatchObject({
      status: 'CAPTURED',
      agreementId: agreement.id,
      instrumentId: agreement.instrumentId,
      amount: { value: 1000, currency: 'USD' },
      authenticationMethods: [],
      authorizations: [{ amount: 1000, status: 'AUTHORIZED' }],
      captures: [{ amount: 1000, status: 'CAPTURED' }],
    });
  });

  it('stays ACTIVE when the initial charge fails, and can be charged again', async () => {
    const agreement = await createAgreement({ sandbox: { simulationCode: 'SoftDeclined' } });
    await consent(agreement);
    expect((await api('GET', `/v1/payment-agreements/${agreement.id}`)).body.status).toBe('ACTIVE');
    const first = (await api('GET', `/v1/payment-charges/${agreement.initialPaymentChargeId}`)).body;
    expect(first).toMatchObject({
      status: 'FAILED',
      failure: { providerFailureCode: 'SoftDeclined', isRetryable: true },
    });
    const retry = await api('POST', `/v1/payment-agreements/${agreement.id}/payment-charges`, {
      amount: { value: 1000, currency: 'USD' },
    });
    expect(retry).toMatchObject({ status: 201, body: { status: 'CAPTURED' } });
  });

  it('fails when the consumer cancels', async () => {
    const agreement = await createAgreement();
    await consent(agreement, 'CANCEL');
    const after = (await api('GET', `/v1/payment-agreements/${agreement.id}`)).body;
    expect(after).toMatchObject({ status: 'FAILED', failure: { failureCode: 'consumer_canceled' } });
    expect((await api('GET', `/v1/payment-charges/${agreement.initialPaymentChargeId}`)).status).toBe(404);
  });

  it('charges on demand with only an amount (seed 001), straight to CAPTURED', async () => {
    const agreement = await activeAgreement();
    const charge = await api('POST', `/v1/payment-agreements/${agreement.id}/payment-charges`, {
      amount: { value: 8000, currency: 'USD' },
    });
    expect(charge.status).toBe(201);
    expect(charge.body).toMatchObject({
      status: 'CAPTURED',
      paymentMethod: 'AMAZON_PAY',
      currency: 'USD',
      country: 'US',
      instrumentId: agreement.instrumentId,
      consumer: { name: 'John Smith', country: 'US' },
      authorizations: [{ amount: 8000, status: 'AUTHORIZED' }],
      captures: [{ amount: 8000, status: 'CAPTURED' }],
      refunds: [],
      voids: [],
    });
    // The agreements service learns the outcome from the charge events on Kafka.
    await waitFor('the agreement to record the charge outcome', async () => {
      const { rows } = await db.pool.query(
        `SELECT data FROM events WHERE stream_id = $1 AND event_type = 'AgreementChargeSettled'`,
        [`agreement:${agreement.id}`],
      );
      return rows.some((r) => r.data.chargeId === charge.body.id && r.data.status === 'CAPTURED');
    });
  });

  it('makes the charges whose synchronous call was lost, from the recorded AgreementChargeRequested events', async () => {
    // As after a crash between recording and asking: the request is on the agreement, the charges service never
    // heard of it. Several at once, so the dispatcher gets them in one batch.
    const agreements = await Promise.all([activeAgreement(), activeAgreement(), activeAgreement()]);
    const recorded = await Promise.all(
      agreements.map(async (agreement, i) => {
        const chargeId = newId('charge');
        await stack.agreements.get(AgreementRepository).execute(
          agreement.id,
          {
            type: 'RequestAgreementCharge',
            chargeId,
            amount: { value: 1000 + i, currency: 'USD' },
            initiator: 'MERCHANT',
            simulationCode: null,
            merchantPaymentChargeReference: null,
          },
          { correlationId: `lost-call-${i}`, actor: 'test' },
        );
        return { agreement, chargeId, amount: 1000 + i };
      }),
    );
    for (const { agreement, chargeId, amount } of recorded) {
      await waitFor('the dispatcher to make the charge', async () => {
        const response = await api('GET', `/v1/payment-charges/${chargeId}`);
        return response.status === 200 && response.body.status === 'CAPTURED';
      });
      const charge = await api('GET', `/v1/payment-charges/${chargeId}`);
      expect(charge.body).toMatchObject({ amount: { value: amount, currency: 'USD' }, agreementId: agreement.id });
    }
    const { rows } = await db.pool.query(
      `SELECT stream_id, count(*)::int AS n FROM events WHERE event_type = 'ChargeCreated' AND stream_id = ANY($1)
        GROUP BY stream_id`,
      [recorded.map((r) => `charge:${r.chargeId}`)],
    );
    expect(rows.map((r) => r.n)).toEqual([1, 1, 1]);
  });

  it('enforces EXACT, MAX and VARIABLE amounts with specific codes', async () => {
    const exact = await activeAgreement({ amount: { value: 1500, currency: 'USD' }, amountType: 'EXACT' });
    const charge = (id: string, value: number) =>
      api('POST', `/v1/payment-agreements/${id}/payment-charges`, { amount: { value, currency: 'USD' } });
    expect(await charge(exact.id, 1400)).toMatchObject({
      status: 400,
      body: { failureCode: 'amount_must_equal_agreed_amount' },
    });
    expect((await charge(exact.id, 1500)).status).toBe(201);
    expect((await api('POST', `/v1/payment-agreements/${exact.id}/payment-charges`, {})).body.amount.value).toBe(1500);

    const max = await activeAgreement({ amount: { value: 5000, currency: 'USD' }, amountType: 'MAX' });
    expect(await charge(max.id, 5001)).toMatchObject({
      status: 400,
      body: { failureCode: 'amount_exceeds_agreed_maximum' },
    });
    expect((await charge(max.id, 4999)).status).toBe(201);

    const variable = await activeAgreement({ amountType: 'VARIABLE' });
    expect((await charge(variable.id, 123_456)).status).toBe(201);
    expect(await charge(variable.id, 49)).toMatchObject({ status: 400, body: { failureCode: 'amount_too_small' } });
    expect(await api('POST', `/v1/payment-agreements/${variable.id}/payment-charges`, {})).toMatchObject({
      status: 400,
      body: { failureCode: 'missing_field' },
    });
  });

  it('passes simulation codes to merchant-initiated charges', async () => {
    const agreement = await activeAgreement();
    const declined = await api(
      'POST',
      `/v1/payment-agreements/${agreement.id}/payment-charges`,
      { amount: { value: 700, currency: 'USD' } },
      { 'sandbox-simulation-code': 'HardDeclined' },
    );
    expect(declined).toMatchObject({
      status: 201,
      body: { status: 'FAILED', failure: { providerFailureCode: 'HardDeclined', isRetryable: false } },
    });
  });

  it('refuses charges before consent and after revocation (409 agreement_revoked)', async () => {
    const pending = await createAgreement({ initialPaymentCharge: undefined });
    const early = await api('POST', `/v1/payment-agreements/${pending.id}/payment-charges`, {
      amount: { value: 700, currency: 'USD' },
    });
    expect(early).toMatchObject({
      status: 409,
      body: { failureCode: 'invalid_agreement_status', currentStatus: 'AUTHENTICATION_PENDING' },
    });
    await consent(pending);
    const revoked = await api('POST', `/v1/payment-agreements/${pending.id}/revocations`, {});
    expect(revoked).toMatchObject({ status: 201, body: { status: 'REVOKED', revokedBy: 'MERCHANT' } });
    const late = await api('POST', `/v1/payment-agreements/${pending.id}/payment-charges`, {
      amount: { value: 700, currency: 'USD' },
    });
    expect(late).toMatchObject({ status: 409, body: { failureCode: 'agreement_revoked' } });
  });

  it('makes one charge from a retried request (idempotency key) and hides other merchants’ agreements', async () => {
    const agreement = await activeAgreement();
    const headers = { 'request-idempotency-key': 'ride-1' };
    const body = { amount: { value: 900, currency: 'USD' } };
    const first = await api('POST', `/v1/payment-agreements/${agreement.id}/payment-charges`, body, headers);
    const again = await api('POST', `/v1/payment-agreements/${agreement.id}/payment-charges`, body, headers);
    expect(again.body.id).toBe(first.body.id);
    const other = apiClient(stack.baseUrl, (await stack.merchant('Other')).apiKey);
    expect((await other('GET', `/v1/payment-agreements/${agreement.id}`)).status).toBe(404);
    expect((await other('POST', `/v1/payment-agreements/${agreement.id}/payment-charges`, body)).status).toBe(404);
  });

  it('validates the body: 400 with codes, nothing stored', async () => {
    const before = Number(
      (await db.pool.query(`SELECT count(*) AS n FROM events WHERE event_type = 'AgreementCreated'`)).rows[0].n,
    );
    const cases: [Record<string, unknown>, string][] = [
      [{ startDate: 'yesterday' }, 'invalid_start_date'],
      [{ endDate: '2025-01-01T00:00:00Z' }, 'end_before_start'],
      [{ frequency: { type: 'HOURLY', interval: 1 } }, 'invalid_field'],
      [{ amountType: 'EXACT' }, 'missing_field'],
      [{ initialPaymentCharge: { amount: { value: 1000, currency: 'EUR' } } }, 'currency_not_supported'],
      [{ surprise: 1 }, 'unknown_field'],
      [{ consumer: [] }, 'invalid_field'],
      [{ frequency: [{ type: 'MONTHLY', interval: 1 }] }, 'invalid_field'],
      [{ consumer: { name: '   ', country: 'US' } }, 'invalid_field'],
      [{ consumer: { name: 'John\u0000Smith', country: 'US' } }, 'invalid_characters'],
      [{ description: 'Pro plan\u0000' }, 'invalid_characters'],
      [{ merchantPaymentAgreementReference: 'sub\n1' }, 'invalid_characters'],
      [{ frequency: { type: 'MONTHLY', interval: '1' } }, 'invalid_field'],
    ];
    for (const [body, code] of cases) {
      const response = await api('POST', '/v1/payment-agreements', { ...SEED_001_AGREEMENT, ...body });
      expect({ body, status: response.status, code: response.body.failureCode }).toEqual({ body, status: 400, code });
    }
    const lone = JSON.stringify(SEED_001_AGREEMENT).replace('John Smith', '\\udc00');
    expect((await api('POST', '/v1/payment-agreements', lone)).body).toMatchObject({
      failureCode: 'invalid_characters',
      field: 'consumer.name',
    });
    const deep = JSON.stringify(SEED_001_AGREEMENT).replace('{', `{"x":${'['.repeat(5000)}${']'.repeat(5000)},`);
    expect((await api('POST', '/v1/payment-agreements', deep)).body).toMatchObject({
      failureCode: 'invalid_json_depth',
    });
    const typed = await api('POST', '/v1/payment-agreements', {
      ...SEED_001_AGREEMENT,
      initialPaymentCharge: { amount: { value: '1000', currency: 'USD' } },
    });
    expect(typed.body).toMatchObject({
      failureCode: 'invalid_field',
      field: 'initialPaymentCharge.amount.value',
      failureMessage: 'initialPaymentCharge.amount.value must be an integer',
    });
    const after = Number(
      (await db.pool.query(`SELECT count(*) AS n FROM events WHERE event_type = 'AgreementCreated'`)).rows[0].n,
    );
    expect(after).toBe(before);
  });

  it('validates the other bodies: charges, revocations, test clock (400, never 500)', async () => {
    const id = `agr_${'0'.repeat(32)}`;
    const charge = await api('POST', `/v1/payment-agreements/${id}/payment-charges`, {
      amount: { value: '700', currency: 'USD' },
    });
    expect(charge).toMatchObject({ status: 400, body: { failureCode: 'invalid_field', field: 'amount.value' } });
    const reference = await api('POST', `/v1/payment-agreements/${id}/payment-charges`, {
      merchantPaymentChargeReference: 'a\u0000',
    });
    expect(reference).toMatchObject({ status: 400, body: { failureCode: 'invalid_characters' } });
    const revocation = await api('POST', `/v1/payment-agreements/${id}/revocations`, { reason: 'x' });
    expect(revocation).toMatchObject({ status: 400, body: { failureCode: 'unknown_field', field: 'reason' } });
    const clock = await api('POST', `/v1/payment-agreements/${id}/test-clock/advances`, { seconds: '60' });
    expect(clock).toMatchObject({ status: 400, body: { failureCode: 'invalid_field', field: 'seconds' } });
    const filter = await api('GET', '/v1/payment-agreements?merchantPaymentAgreementReference=%00');
    expect(filter).toMatchObject({ status: 400, body: { failureCode: 'invalid_characters' } });
  });

  it('lists agreements and the charges made under one', async () => {
    const merchant = apiClient(stack.baseUrl, (await stack.merchant('List Co')).apiKey);
    const created = await merchant('POST', '/v1/payment-agreements', {
      ...SEED_001_AGREEMENT,
      merchantPaymentAgreementReference: 'sub-1',
    });
    const agreement = created.body;
    await consent(agreement);
    await merchant('POST', `/v1/payment-agreements/${agreement.id}/payment-charges`, {
      amount: { value: 600, currency: 'USD' },
    });
    await waitFor('the agreement list', async () => {
      const list = (await merchant('GET', '/v1/payment-agreements?merchantPaymentAgreementReference=sub-1')).body;
      return list.data.length === 1 && list.data[0].status === 'ACTIVE';
    });
    await waitFor('the charges of the agreement', async () => {
      const list = (await merchant('GET', `/v1/payment-charges?agreementId=${agreement.id}`)).body;
      return list.data.length === 2;
    });
    expect((await merchant('GET', '/v1/payment-agreements?status=REVOKED')).body.data).toEqual([]);
  });
});

describe('webhooksUrl: only https to public addresses (SSRF), checked at creation', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
    ['https://169.254.169.254/latest/meta-data/'],
    ['https://[fd00:ec2::254]/latest/meta-data/'],
    ['https://192.168.1.1/hooks'],
    ['https://no-such-host.invalid/hooks'],
  ])('refuses %s with a 400 webhooks_url_not_allowed', async (webhooksUrl) => {
    const response = await api('POST', '/v1/payment-agreements', { ...SEED_001_AGREEMENT, webhooksUrl });
    expect(response).toMatchObject({
      status: 400,
      body: { failureCode: 'webhooks_url_not_allowed', field: 'webhooksUrl' },
    });
  });

  it('accepts a public https URL, and http to an allow-listed local host (WEBHOOK_ALLOWED_HOSTS) only with it', async () => {
    expect(await createAgreement({ webhooksUrl: 'https://93.184.216.34/hooks' })).toMatchObject({
      webhooksUrl: 'https://93.184.216.34/hooks',
    });
    const webhooksUrl = 'http://127.0.0.1:4010/hooks';
    const { apiKey } = await stack.merchant('Local Receiver Rides');
    const allowing = await stack.startGateway({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    const refusing = await stack.startGateway({ WEBHOOK_ALLOWED_HOSTS: 'receiver.local' });
    try {
      const body = { ...SEED_001_AGREEMENT, webhooksUrl };
      const accepted = await apiClient(allowing.baseUrl, apiKey)('POST', '/v1/payment-agreements', body);
      expect(accepted).toMatchObject({ status: 201, body: { webhooksUrl } });
      const refused = await apiClient(refusing.baseUrl, apiKey)('POST', '/v1/payment-agreements', body);
      expect(refused).toMatchObject({ status: 400, body: { failureCode: 'webhooks_url_not_allowed' } });
    } finally {
      await allowing.app.close();
      await refusing.app.close();
    }
  });
});
