import { Webhook } from 'standardwebhooks';
import { newSigningSecret, signatureHeader, signPayload, webhookHeaders } from './standard-webhooks';

// The receiver's side is the `standardwebhooks` package, not our code: what it accepts is what merchants accept.
const nowSeconds = () => Math.floor(Date.now() / 1000);
const BODY = JSON.stringify({ specversion: '1.0', id: 'evt_1', type: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED', data: {} });

describe('Standard Webhooks signing', () => {
  it('makes secrets of whsec_ and 32 random bytes in base64, never the same twice', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(newSigningSecret()).not.toBe(secret);
  });

  it('signs what the standardwebhooks package verifies, and the same as it signs', () => {
    const secret = newSigningSecret();
    const timestamp = nowSeconds();
    const headers = webhookHeaders([secret], 'msg_1', timestamp, BODY);
    expect(headers).toEqual({
      'content-type': 'application/json',
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
    });
    expect(new Webhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(signPayload(secret, 'msg_1', timestamp, BODY)).toBe(
      new Webhook(secret).sign('msg_1', new Date(timestamp * 1000), BODY),
    );
  });

  it('fails verification when the body, id or timestamp is not what was signed, or the secret is another', () => {
    const secret = newSigningSecret();
    const timestamp = nowSeconds();
    const headers = webhookHeaders([secret], 'msg_1', timestamp, BODY);
    const verify =
      (body: string, changed: Record<string, string>, key = secret) =>
      () =>
        new Webhook(key).verify(body, { ...headers, ...changed });
    expect(verify(`${BODY} `, {})).toThrow();
    expect(verify(BODY, { 'webhook-id': 'msg_2' })).toThrow();
    expect(verify(BODY, { 'webhook-timestamp': String(timestamp - 1) })).toThrow();
    expect(verify(BODY, {}, newSigningSecret())).toThrow();
  });

  it('signs with both secrets of a rotation, and each verifies alone', () => {
    const [oldSecret, newSecret] = [newSigningSecret(), newSigningSecret()];
    const timestamp = nowSeconds();
    const header = signatureHeader([oldSecret, newSecret], 'msg_9', timestamp, BODY);
    const signatures = header.split(' ');
    expect(signatures).toEqual([
      signPayload(oldSecret, 'msg_9', timestamp, BODY),
      signPayload(newSecret, 'msg_9', timestamp, BODY),
    ]);
    const headers = { 'webhook-id': 'msg_9', 'webhook-timestamp': String(timestamp) };
    for (const secret of [oldSecret, newSecret]) {
      expect(() => new Webhook(secret).verify(BODY, { ...headers, 'webhook-signature': header })).not.toThrow();
    }
    // Each signature alone verifies under its own secret only.
    expect(() => new Webhook(oldSecret).verify(BODY, { ...headers, 'webhook-signature': signatures[0] })).not.toThrow();
    expect(() => new Webhook(newSecret).verify(BODY, { ...headers, 'webhook-signature': signatures[1] })).not.toThrow();
    expect(() => new Webhook(newSecret).verify(BODY, { ...headers, 'webhook-signature': signatures[0] })).toThrow();
  });

  it('sends no webhook-signature when there is no secret, and refuses a secret that is not whsec_', () => {
    expect(webhookHeaders([], 'msg_1', nowSeconds(), BODY)).not.toHaveProperty('webhook-signature');
    expect(() => signPayload('not-a-secret', 'msg_1', nowSeconds(), BODY)).toThrow(/whsec_/);
  });
});
