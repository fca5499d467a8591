import { Inject, Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Pool } from 'pg';
import { JsonLogger } from '../logging/json-logger';
import { PG_POOL } from '../nest/infrastructure.module';
import { type HealthAnswer, type HealthChecks, isReadinessSource, READINESS_CHECK } from './readiness';

/** How long one check may take before it counts as down (a probe must answer within its own timeout). */
const CHECK_TIMEOUT_MS = 2000;

/**
 * Liveness and readiness of the service it runs in. Live: the process answers. Ready: its PostgreSQL pool answers a
 * `SELECT 1` (when it has one), every critical check of the readiness sources (its Kafka clients) is up, and it is
 * not draining: from the moment the app starts closing (SIGTERM, app.close()) readiness answers 503, so Kubernetes
 * stops routing to it while it finishes its work.
 */
@Injectable()
export class HealthService implements OnModuleDestroy {
  private draining = false;

  constructor(
    private readonly discovery: DiscoveryService,
    @Optional() @Inject(PG_POOL) private readonly pool?: Pool,
    @Optional() private readonly logger?: JsonLogger,
  ) {}

  /** Readiness answers 503 from now on. Called when the app starts closing. */
  startDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  onModuleDestroy(): void {
    this.startDraining();
  }

  live(): HealthAnswer {
    return { status: 'ok', checks: {} };
  }

  async ready(): Promise<HealthAnswer> {
    const checks: HealthChecks = {
      shutdown: this.draining ? { status: 'down', critical: true, draining: true } : { status: 'up', critical: true },
    };
    const pending: Promise<void>[] = [];
    if (this.pool && poolIsBusy(this.pool)) {
      // Every connection is at work and requests wait for one: the database answers, and a probe query would only
      // queue behind the work (timing out under load would take every replica out of rotation at once).
      checks.database = { status: 'up', critical: true, busy: true };
    } else if (this.pool) {
      const pool = this.pool;
      pending.push(
        withTimeout(pool.query('SELECT 1')).then(
          () => void (checks.database = { status: 'up', critical: true }),
          (error: unknown) => {
            // The answer says only "down" (the gateway's probes are reachable through its Ingress); the log says why.
            this.logger?.event('warn', 'health.database_down', { error: messageOf(error) });
            checks.database = { status: 'down', critical: true };
          },
        ),
      );
    }
    for (const source of this.sources()) {
      pending.push(
        withTimeout(Promise.resolve(source[READINESS_CHECK]())).then(
          (reported) => void Object.assign(checks, reported),
          (error: unknown) => {
            this.logger?.event('warn', 'health.check_failed', { error: messageOf(error) });
            checks.unknown = { status: 'down', critical: true };
          },
        ),
      );
    }
    await Promise.all(pending);
    const ok = Object.values(checks).every((check) => check.status === 'up' || !check.critical);
    return { status: ok ? 'ok' : 'unavailable', checks };
  }

  private sources() {
    return this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter(isReadinessSource);
  }
}

/** All of the pool's connections are checked out and callers wait for one. */
function poolIsBusy(pool: Pool): boolean {
  const max = pool.options?.max ?? 10;
  return pool.totalCount >= max && pool.idleCount === 0 && pool.waitingCount > 0;
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
