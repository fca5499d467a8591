import { Controller, Get, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { PG_POOL } from '@payment-ledger/platform';
import { ApiError } from './api-error';

/** Kubernetes probes: liveness is the process answering; readiness needs PostgreSQL. */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(): Promise<{ status: 'ok' }> {
    try {
      await this.pool.query('SELECT 1');
      return { status: 'ok' };
    } catch {
      throw new ApiError(503, 'not_ready', 'Database unavailable');
    }
  }
}
