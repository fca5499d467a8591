import {
  type ConfigOf,
  env,
  infrastructureConfigSchema,
  outboundUrlConfigSchema,
  serviceAddressSchema,
} from '@payment-ledger/platform';
import { rpcConfigSchema } from '@payment-ledger/rpc';
import { MAX_LIST_CONSISTENCY_WAIT_MS } from '@payment-ledger/contracts';

/** Everything the gateway reads from its environment, validated at start-up. */
export const gatewayConfigSchema = {
  ...infrastructureConfigSchema,
  /** Where it listens and where the services it calls are (service registry), and the RPC kit's settings. */
  ...serviceAddressSchema('gateway'),
  ...rpcConfigSchema,
  /** Largest request body accepted, in bytes. */
  GATEWAY_BODY_LIMIT_BYTES: env.int({ default: 102_400, min: 1_024 }),
  /**
   * How long a client may take to send a request's line and headers, from its first byte; past it the gateway answers
   * 408 `request_timeout` and closes the connection, so a client trickling its headers cannot hold a socket. (Node's
   * own default is a minute.)
   */
  GATEWAY_HEADERS_TIMEOUT_MS: env.int({ default: 10_000, min: 100 }),
  /**
   * How long a client may take to send a whole request, headers and body; past it 408 `request_timeout` and the
   * connection closed, so a body sent a byte a second cannot hold a socket for ever. The time the gateway then takes
   * to answer is not counted (SERVICE_CALL_TIMEOUT_MS bounds that). At least GATEWAY_HEADERS_TIMEOUT_MS.
   */
  GATEWAY_REQUEST_TIMEOUT_MS: env.int({ default: 30_000, min: 100 }),
  /**
   * How long a connection may be silent both ways while a request is open (a client that stops sending half-way,
   * and never closes); past it the socket is closed. Above SERVICE_CALL_TIMEOUT_MS, so a slow answer is not cut off.
   */
  GATEWAY_CONNECTION_TIMEOUT_MS: env.int({ default: 60_000, min: 100 }),
  /**
   * How long an idle keep-alive connection is kept between requests: longer than a load balancer's idle timeout (60 s
   * on most), so the balancer closes it first and never sends a request on a connection the gateway is closing.
   */
  GATEWAY_KEEP_ALIVE_TIMEOUT_MS: env.int({ default: 72_000, min: 100 }),
  /**
   * Read-your-writes for lists: how long a list of charges, agreements or refunds may wait for its read model to include
   * every write committed before the request (so a list right after a create shows it), sent with every such list;
   * past it the list answers with what the model has. 0: no wait (a write shows about PROJECTION_POLL_MS later).
   */
  GATEWAY_LIST_WAIT_MS: env.int({ default: 500, min: 0, max: MAX_LIST_CONSISTENCY_WAIT_MS }),
  /**
   * How long a verified API key is remembered. A revocation or rotation does not wait for it: each is announced when
   * it commits and drops the key at once, and while the gateway cannot hear announcements it remembers no key.
   */
  API_KEY_CACHE_TTL_MS: env.int({ default: 30_000, min: 0 }),
  /**
   * How long an unknown, revoked or expired API key's refusal is remembered, so repeating a wrong key costs no query; a key
   * tried before it existed is refused for up to this long after its creation. 0 remembers nothing.
   */
  API_KEY_NEGATIVE_CACHE_TTL_MS: env.int({ default: 5_000, min: 0 }),
  /** Requests per second one API key may keep up (429 `rate_limited` beyond); 0 turns the limit off. */
  GATEWAY_RATE_LIMIT_PER_KEY: env.int({ default: 100, min: 0 }),
  /** Requests one API key may send at once on top of that rate. */
  GATEWAY_RATE_LIMIT_KEY_BURST: env.int({ default: 200, min: 1 }),
  /**
   * Requests per second one client address may keep up, whatever the key (health probes aside); checked before
   * the key, so it also bounds a flood of wrong keys. 0 turns the limit off.
   */
  GATEWAY_RATE_LIMIT_PER_ADDRESS: env.int({ default: 200, min: 0 }),
  /** Requests one client address may send at once on top of that rate. */
  GATEWAY_RATE_LIMIT_ADDRESS_BURST: env.int({ default: 400, min: 1 }),
  /**
   * The reverse proxies (addresses or CIDRs, comma-separated: an ingress controller's pod range, a load balancer)
   * whose X-Forwarded-For names the client: behind one, set it, or every client shares the proxy's address and its
   * per-address limit. Empty: the connection's address is the client's. (Limits are per gateway replica.)
   */
  GATEWAY_TRUSTED_PROXIES: env.list({ default: [] }),
  /** Which hosts a charge's or an agreement's `webhooksUrl` may name besides public https ones (libs/platform). */
  ...outboundUrlConfigSchema,
};

export type GatewayConfig = ConfigOf<typeof gatewayConfigSchema>;
export const GATEWAY_CONFIG = Symbol('GatewayConfig');
