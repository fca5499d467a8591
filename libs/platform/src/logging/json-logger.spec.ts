import { JsonLogger, withLogContext } from './json-logger';

function capture(): { lines: () => Record<string, unknown>[]; logger: JsonLogger } {
  const out: string[] = [];
  const logger = new JsonLogger('svc', 'info', { write: (l) => void out.push(l) });
  return { logger, lines: () => out.map((l) => JSON.parse(l)) };
}

describe('JsonLogger', () => {
  it('writes one JSON object per line with the correlation id of the current context', () => {
    const { logger, lines } = capture();
    withLogContext({ correlationId: 'corr-1' }, () => logger.event('info', 'charge.created', { chargeId: 'charge_1' }));
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'svc',
        msg: 'charge.created',
        correlationId: 'corr-1',
        chargeId: 'charge_1',
      }),
    ]);
  });

  it('never writes API keys, secrets or consumer names and emails', () => {
    const { logger, lines } = capture();
    logger.event('info', 'request', {
      headers: { authorization: 'Bearer sk_live_abc' },
      apiKey: 'k',
      webhookSecret: 'whsec_x',
      consumer: { name: 'Jane Doe', email: 'jane@example.com' },
    });
    const line = JSON.stringify(lines()[0]);
    for (const secret of ['sk_live_abc', 'whsec_x', 'Jane Doe', 'jane@example.com']) expect(line).not.toContain(secret);
  });

  it('drops entries below its level', () => {
    const { logger, lines } = capture();
    logger.debug('noise');
    logger.warn('kept');
    expect(lines().map((l) => l.msg)).toEqual(['kept']);
  });
});
