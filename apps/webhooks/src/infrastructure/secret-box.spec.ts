import { SecretBox, type SealedSigningSecrets } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox('k'.repeat(64));

  it('opens what it sealed, never shows the secret in the ciphertext, and seals the same secret differently each time', () => {
    const sealed = box.seal('whsec_abc');
    expect(box.open(sealed)).toBe('whsec_abc');
    expect(sealed).not.toContain('abc');
    expect(box.seal('whsec_abc')).not.toBe(sealed);
  });

  it('refuses a ciphertext altered, cut, or sealed under another key', () => {
    const sealed = box.seal('whsec_abc');
    const [v, iv, tag, data] = sealed.split('.');
    const flipped = Buffer.from(data, 'base64url');
    flipped[0] ^= 1;
    expect(() => box.open([v, iv, tag, flipped.toString('base64url')].join('.'))).toThrow();
    expect(() => box.open(`${v}.${iv}.${tag}`)).toThrow();
    expect(() => new SecretBox('o'.repeat(64)).open(sealed)).toThrow();
  });

  it('rotates in place: the new secret signs, and the old one too until the overlap ends', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const held: SealedSigningSecrets = {
      secretCiphertext: box.seal('whsec_old'),
      previousSecretCiphertext: null,
      previousSecretExpiresAt: null,
    };
    expect(box.signingSecrets(held, now)).toEqual(['whsec_old']);
    const fresh = box.rotate(held, now, 60_000);
    expect(fresh).toMatch(/^whsec_/);
    expect(box.signingSecrets(held, new Date(now.getTime() + 59_999))).toEqual([fresh, 'whsec_old']);
    expect(box.signingSecrets(held, new Date(now.getTime() + 60_000))).toEqual([fresh]);
  });
});
