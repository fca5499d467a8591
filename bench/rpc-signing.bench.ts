/**
 * Micro-benchmark of the RPC kit's command signatures: sign (HMAC-SHA256 over the serialized frame, once) and verify
 * (before the JSON is parsed) per message, for a create-charge message and a coalesced batch of 64. Prints a table;
 * `npm run bench:rpc-signing`. No infrastructure needed.
 */
import { FrameSigner, FrameVerifier } from '@payment-ledger/rpc';

const secret = 'x'.repeat(43);
const create = {
  pattern: 'charges.create',
  data: {
    correlationId: 'evt_01JTESTCORRELATION0000000',
    idempotencyKey: 'key-0123456789',
    merchant: { id: 'merchant_01JTESTMERCHANT000000000', name: 'Acme Books', mode: 'SANDBOX' },
    chargeId: 'charge_01JTESTCHARGE0000000000',
    paymentMethod: 'AMAZON_PAY',
    amount: { value: 1000, currency: 'USD' },
    consumer: { name: 'John Smith', country: 'US' },
    returnUrl: 'https://www.your-return-page.com/',
    captureMethod: 'AUTOMATIC',
    webhooksUrl: null,
    merchantPaymentChargeReference: null,
    simulationCode: null,
  },
  id: '00000000-0000-0000-0000-000000000000',
};
const batch = { pattern: 'charges.create.many', data: { messages: Array(64).fill(create.data) }, id: create.id };

function measure(name: string, message: object, iterations: number) {
  const signer = new FrameSigner(secret);
  const verifier = new FrameVerifier([secret]);
  const json = JSON.stringify(message);
  // Warm up.
  for (let i = 0; i < 2_000; i++) verifier.verify(frame(signer.sign(json)));
  const t0 = process.hrtime.bigint();
  const frames: Buffer[] = [];
  for (let i = 0; i < iterations; i++) frames.push(frame(signer.sign(json)));
  const t1 = process.hrtime.bigint();
  for (const f of frames) if (!verifier.verify(f).ok) throw new Error('refused');
  const t2 = process.hrtime.bigint();
  const parse0 = process.hrtime.bigint();
  for (let i = 0; i < Math.min(iterations, 20_000); i++) JSON.parse(json);
  const parse1 = process.hrtime.bigint();
  const us = (ns: bigint, n: number) => Number(ns) / 1_000 / n;
  return {
    message: name,
    bytes: Buffer.byteLength(json),
    signUs: us(t1 - t0, iterations).toFixed(2),
    verifyUs: us(t2 - t1, iterations).toFixed(2),
    signPlusVerifyUs: us(t2 - t0, iterations).toFixed(2),
    jsonParseUsForComparison: us(parse1 - parse0, Math.min(iterations, 20_000)).toFixed(2),
  };
}

function frame(signed: { header: string; body: Buffer }): Buffer {
  return Buffer.concat([Buffer.from(signed.header, 'latin1'), signed.body]);
}

console.table([measure('charges.create', create, 100_000), measure('charges.create.many (64)', batch, 5_000)]);
