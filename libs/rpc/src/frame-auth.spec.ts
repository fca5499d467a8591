import { FrameSigner, FrameVerifier, REPLAY_WINDOW_MS } from './frame-auth';

const SECRET = 'a'.repeat(32);
const OTHER = 'b'.repeat(32);
const json = JSON.stringify({
  pattern: 'charges.get',
  data: { merchantId: 'merchant_1', chargeId: 'charge_1' },
  id: 'x',
});

function frameOf(signed: { header: string; body: Buffer }): Buffer {
  return Buffer.concat([Buffer.from(signed.header, 'latin1'), signed.body]);
}

describe('command signatures (FrameSigner / FrameVerifier)', () => {
  it('accepts a signed frame once and hands back the JSON as sent', () => {
    const frame = frameOf(new FrameSigner(SECRET).sign(json));
    const verifier = new FrameVerifier([SECRET]);
    const verified = verifier.verify(frame);
    expect(verified.ok && verified.body.toString()).toBe(json);
    expect(verifier.verify(frame)).toMatchObject({ ok: false, reason: 'replayed' });
  });

  it('refuses an unsigned frame (plain JSON, as Nest sends it)', () => {
    expect(new FrameVerifier([SECRET]).verify(Buffer.from(json))).toEqual({ ok: false, reason: 'unsigned' });
    expect(new FrameVerifier([SECRET]).verify(Buffer.from(''))).toEqual({ ok: false, reason: 'unsigned' });
  });

  it('refuses a frame signed with another secret, or changed after signing', () => {
    const verifier = new FrameVerifier([SECRET]);
    expect(verifier.verify(frameOf(new FrameSigner(OTHER).sign(json)))).toMatchObject({ reason: 'forged' });
    const signed = new FrameSigner(SECRET).sign(json);
    const tampered = frameOf({ header: signed.header, body: Buffer.from(json.replace('merchant_1', 'merchant_2')) });
    expect(verifier.verify(tampered)).toMatchObject({ reason: 'forged' });
    const header = signed.header.replace(/^\d+/, (ts) => String(Number(ts) + 1));
    expect(verifier.verify(frameOf({ header, body: signed.body }))).toMatchObject({ reason: 'forged' });
  });

  it('refuses a frame older (or newer) than the window', () => {
    let now = 1_000_000;
    const signer = new FrameSigner(SECRET, () => now);
    const verifier = new FrameVerifier([SECRET], REPLAY_WINDOW_MS, () => now);
    const old = frameOf(signer.sign(json));
    now += REPLAY_WINDOW_MS + 1;
    expect(verifier.verify(old)).toMatchObject({ ok: false, reason: 'stale', ageMs: REPLAY_WINDOW_MS + 1 });
    const future = frameOf(new FrameSigner(SECRET, () => now + REPLAY_WINDOW_MS + 1).sign(json));
    expect(verifier.verify(future)).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('forgets message ids once they are past the window (a stale replay is refused as stale)', () => {
    let now = 1_000_000;
    const signer = new FrameSigner(SECRET, () => now);
    const verifier = new FrameVerifier([SECRET], REPLAY_WINDOW_MS, () => now);
    const frame = frameOf(signer.sign(json));
    expect(verifier.verify(frame).ok).toBe(true);
    now += REPLAY_WINDOW_MS + 1;
    expect(verifier.verify(frameOf(signer.sign(json))).ok).toBe(true);
    expect(verifier.verify(frame)).toMatchObject({ reason: 'stale' });
    expect((verifier as unknown as { seen: Map<string, number> }).seen.size).toBe(1);
  });

  it('verifies with every configured secret, so a secret can be rotated', () => {
    const rotating = new FrameVerifier([OTHER, SECRET]);
    expect(rotating.verify(frameOf(new FrameSigner(SECRET).sign(json))).ok).toBe(true);
    expect(rotating.verify(frameOf(new FrameSigner(OTHER).sign(json))).ok).toBe(true);
  });

  it('gives every message its own id', () => {
    const signer = new FrameSigner(SECRET);
    const ids = new Set(Array.from({ length: 1000 }, () => signer.sign(json).header.split('.')[1]));
    expect(ids.size).toBe(1000);
  });
});
