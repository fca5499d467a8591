import { type ConfigField, env, MIN_SECRET_LENGTH } from '@payment-ledger/platform';

/** Shared secrets for command signatures: no default; each at least 32 characters; the first signs, all verify. */
const signingSecrets: ConfigField<string[]> = {
  describe: `comma-separated secrets of at least ${MIN_SECRET_LENGTH} characters (the first signs, all verify)`,
  secret: true,
  parse(raw, name) {
    const secrets = (raw ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (secrets.length === 0) throw new Error(`${name} is required`);
    if (secrets.some((s) => s.length < MIN_SECRET_LENGTH)) {
      throw new Error(`${name}: every secret must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    return secrets;
  },
};

/** Settings of the RPC kit, for every service that serves or calls over it. */
export const rpcConfigSchema = {
  /**
   * Signs and verifies every command between the services (HMAC): comma-separated, each at least 32 characters; the
   * first signs, all verify (rotation: add the new one second everywhere, then first, then drop the old one).
   */
  RPC_SIGNING_SECRETS: signingSecrets,
  /** Largest frame a TCP server or client reads or writes; a peer announcing more is disconnected. */
  RPC_MAX_FRAME_BYTES: env.int({ default: 1_048_576, min: 1_024, max: 64 * 1_048_576 }),
  /** Timeout of a call to another service. */
  SERVICE_CALL_TIMEOUT_MS: env.int({ default: 10_000, min: 100 }),
  /** Calls of one coalesced pattern that may wait for a slot; one more is refused at once (the gateway: 503). */
  RPC_QUEUE_MAX: env.int({ default: 4_096, min: 1 }),
  /** Longest a call may wait for a slot before it is refused unsent (the gateway: 503). */
  RPC_QUEUE_WAIT_MS: env.int({ default: 5_000, min: 1 }),
};

export type RpcConfig = {
  readonly RPC_SIGNING_SECRETS: string[];
  readonly RPC_MAX_FRAME_BYTES: number;
  readonly SERVICE_CALL_TIMEOUT_MS: number;
  readonly RPC_QUEUE_MAX: number;
  readonly RPC_QUEUE_WAIT_MS: number;
};
