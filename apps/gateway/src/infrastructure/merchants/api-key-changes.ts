import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { INFRASTRUCTURE_CONFIG, type InfrastructureConfig, JsonLogger } from '@payment-ledger/platform';
import { API_KEY_CHANGES_CHANNEL } from './merchant.repository';

/** What changed: one key (its SHA-256, base64), or `null` for any key (the gateway may have missed changes). */
export type ApiKeyChange = string | null;

const RECONNECT_MS = { first: 100, max: 5_000 };

/**
 * Listens (PostgreSQL LISTEN, on a connection of its own, outside the pool) for changes to API keys that the key
 * use cases announce when they commit (a rotation's old keys, a revocation), so ApiKeyGuard drops them from its
 * cache at once instead of serving them until the entry runs out; every gateway replica listens.
 *
 * A notification sent while the connection is down is lost, so the guard trusts its cache only while this listens
 * (`listening`): when the connection is lost it tells the guard that any key may have changed, and until it is back
 * (retried in the background, the gateway keeps serving) every request looks its key up. `version` moves with each
 * change, so a lookup that raced a change does not put what it read into the cache.
 */
@Injectable()
export class ApiKeyChanges implements OnModuleInit, OnModuleDestroy {
  private client: Client | undefined;
  private listening = false;
  private stopped = false;
  private changes = 0;
  private readonly subscribers = new Set<(change: ApiKeyChange) => void>();
  private retry: NodeJS.Timeout | undefined;

  constructor(
    @Inject(INFRASTRUCTURE_CONFIG) private readonly config: InfrastructureConfig,
    private readonly logger: JsonLogger,
  ) {}

  /** Whether changes reach this gateway now; while not, the guard caches nothing. */
  get isListening(): boolean {
    return this.listening;
  }

  /** Moves with every change received or possibly missed. */
  get version(): number {
    return this.changes;
  }

  subscribe(subscriber: (change: ApiKeyChange) => void): void {
    this.subscribers.add(subscriber);
  }

  onModuleInit(): void {
    void this.connect(RECONNECT_MS.first);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    this.listening = false;
    await this.client?.end().catch(() => undefined);
  }

  private async connect(nextPause: number): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.config.DATABASE_URL,
      application_name: 'gateway-api-key-changes',
    });
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel === API_KEY_CHANGES_CHANNEL && message.payload) this.changed(message.payload);
    });
    let lost = false;
    const onLost = (error?: unknown) => {
      if (lost) return;
      lost = true;
      this.listening = false;
      this.changed(null);
      if (this.stopped) return;
      this.logger.event('warn', 'gateway.api_key_changes_lost', { error, retryInMs: nextPause });
      void client.end().catch(() => undefined);
      this.retry = setTimeout(() => void this.connect(Math.min(nextPause * 2, RECONNECT_MS.max)), nextPause);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.connect();
      await client.query(`LISTEN ${API_KEY_CHANGES_CHANNEL}`);
      if (lost || this.stopped) return;
      this.listening = true;
      // Anything cached before (there is nothing, unless this is a reconnection) may have missed a change.
      this.changed(null);
      nextPause = RECONNECT_MS.first;
    } catch (error) {
      onLost(error);
    }
  }

  private changed(change: ApiKeyChange): void {
    this.changes++;
    for (const subscriber of this.subscribers) subscriber(change);
  }
}
