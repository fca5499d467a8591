import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { currentLogContext, JsonLogger, withLogContext } from './json-logger';
import { maskSensitive, maskSensitiveText } from './redaction';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const out: string[] = [];
  const logger = new JsonLogger('svc', level, { write: (l) => void out.push(l) });
  return { logger, raw: out, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const API_KEY = 'sk_sandbox_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5';
const TOKEN = '1767225600.abcDEFghiJKLmnoPQRstuVWXyz0123456789_-abcde';

describe('JsonLogger (pino)', () => {
  it('writes one JSON object per line: ISO time, level name, service, msg and the current context', () => {
    const { logger, lines, raw } = capture();
    withLogContext({ correlationId: 'corr-1', causationId: 'evt_1' }, () =>
      logger.event('info', 'charge.created', { chargeId: 'charge_1' }),
    );
    expect(raw).toHaveLength(1);
    expect(raw[0].endsWith('\n')).toBe(true);
    expect(lines()[0]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'info',
      service: 'svc',
      msg: 'charge.created',
      correlationId: 'corr-1',
      causationId: 'evt_1',
      chargeId: 'charge_1',
    });
  });

  it("nests contexts, an inner one adding to the outer's; fields of the entry win over the context", () => {
    const { logger, lines } = capture();
    withLogContext({ correlationId: 'outer', merchantId: 'mch_1' }, () =>
      withLogContext({ correlationId: 'inner' }, () => {
        expect(currentLogContext()).toEqual({ correlationId: 'inner', merchantId: 'mch_1' });
        logger.event('warn', 'x', { merchantId: 'mch_2' });
      }),
    );
    expect(lines()[0]).toMatchObject({ correlationId: 'inner', merchantId: 'mch_2', level: 'warn' });
  });

  it('drops entries below its level', () => {
    const { logger, lines } = capture();
    logger.debug('noise');
    logger.event('debug', 'noise too');
    logger.warn('kept');
    expect(lines().map((l) => l.msg)).toEqual(['kept']);
    expect(logger.isEnabled('debug')).toBe(false);
    const verbose = capture('debug');
    verbose.logger.verbose('seen');
    expect(verbose.lines()).toEqual([expect.objectContaining({ level: 'debug', msg: 'seen' })]);
  });

  it("takes Nest's calls: log(message, context), error(message, stack, context), an Error", () => {
    const { logger, lines } = capture();
    logger.log('Mapped route', 'RouterExplorer');
    logger.error('failed', 'Error: at x', 'ExceptionsHandler');
    logger.error(new Error('boom'));
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'info', msg: 'Mapped route', context: 'RouterExplorer' }),
      expect.objectContaining({ level: 'error', msg: 'failed', stack: 'Error: at x', context: 'ExceptionsHandler' }),
      expect.objectContaining({ level: 'error', msg: 'boom', error: expect.objectContaining({ message: 'boom' }) }),
    ]);
  });

  it('loses no stdout line written right before process.exit (the start_failed path), even into a pipe', () => {
    // 2,000 lines of ~1 KB overflow a pipe's buffer many times over: the last ones wait on the reader, and still arrive.
    const script = `
      const { JsonLogger } = require(${JSON.stringify(join(__dirname, 'json-logger'))});
      const logger = new JsonLogger('svc');
      for (let i = 0; i < 2000; i++) logger.event('info', 'filler', { i, pad: 'x'.repeat(1000) });
      logger.event('error', 'svc.start_failed', { reason: 'test' });
      process.exit(1);`;
    const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(child.status).toBe(1);
    const lines = child.stdout.trim().split('\n');
    expect(lines).toHaveLength(2001);
    expect(JSON.parse(lines[2000])).toMatchObject({ level: 'error', service: 'svc', msg: 'svc.start_failed' });
  });
});

describe('redaction', () => {
  it('never writes API keys, secrets, tokens, consumer names, emails, phone numbers or cards (by key, any depth)', () => {
    const { logger, raw } = capture();
    logger.event('info', 'request', {
      apiKey: API_KEY,
      api_key: API_KEY,
      webhookSecret: 'whsec_x1',
      signingSecrets: ['rpc-secret-1', 'rpc-secret-2'],
      password: 'hunter2',
      nested: { deeper: { token: TOKEN, hostedPageToken: TOKEN } },
      consumer: { name: 'Jane Doe', email: 'jane@example.com', phone: '+1 555 0100' },
      consumerName: 'John Smith',
      email: 'john@example.com',
      phoneNumber: '+44 20 7946 0000',
      card: { number: '4111111111111111' },
      cardNumber: '4111111111111111',
      items: [{ name: 'Jane Doe' }],
    });
    const line = raw.join('');
    for (const secret of [
      API_KEY,
      'whsec_x1',
      'rpc-secret-1',
      'rpc-secret-2',
      'hunter2',
      TOKEN,
      'Jane Doe',
      'John Smith',
      'example.com',
      '555 0100',
      '7946',
      '4111111111111111',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(JSON.parse(line)).toMatchObject({ apiKey: '[redacted]', consumer: '[redacted]', email: '[redacted]' });
  });

  it("through pino's redact paths: authenticating headers, query strings and bodies, wherever the key names none", () => {
    const { logger, lines } = capture();
    logger.event('info', 'request', {
      headers: { authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': 'k1', cookie: 'sid=s1', accept: 'application/json' },
      req: { headers: { authorization: 'Basic dXNlcjpwYXNz' }, query: { t: 'q1' }, body: { decision: 'APPROVE' } },
      query: { t: 'q2' },
      body: { anything: 'b2' },
    });
    const line = lines()[0];
    expect(line.headers).toEqual({
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      cookie: '[redacted]',
      accept: 'application/json',
    });
    expect(line.req).toEqual({ headers: { authorization: '[redacted]' }, query: '[redacted]', body: '[redacted]' });
    expect(line.query).toBe('[redacted]');
    expect(line.body).toBe('[redacted]');
  });

  it('masks secrets inside text: messages, error messages and stacks, the log context', () => {
    const { logger, raw } = capture();
    withLogContext({ url: `/pay/charge_1?token=${TOKEN}` }, () =>
      logger.event('warn', `key ${API_KEY} refused`, {
        error: new Error(`bad Authorization: Bearer ${API_KEY} for jane@example.com`),
        link: `https://sandbox.example/pay/charge_1?lang=en&token=${encodeURIComponent(TOKEN)}#top`,
      }),
    );
    const line = raw.join('');
    for (const secret of [API_KEY, TOKEN, encodeURIComponent(TOKEN), 'jane@example.com']) {
      expect(line).not.toContain(secret);
    }
    const parsed = JSON.parse(line);
    expect(parsed.msg).toBe('key sk_sandbox_[redacted] refused');
    expect(parsed.link).toBe('https://sandbox.example/pay/charge_1?lang=en&token=[redacted]#top');
  });

  it('leaves what is not sensitive as it is', () => {
    const fields = { service: 'gateway', chargeId: 'charge_1', amount: { value: 1000, currency: 'USD' }, ok: true };
    expect(maskSensitive(fields)).toEqual(fields);
    expect(maskSensitiveText('/v1/payment-charges/:id')).toBe('/v1/payment-charges/:id');
  });
});
