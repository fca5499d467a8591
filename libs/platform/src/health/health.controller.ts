import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthService } from './health.service';
import type { HealthAnswer } from './readiness';

/** The reply of Express and of Fastify alike: both set the status with `status(code)`. */
interface StatusReply {
  status(code: number): unknown;
}

/**
 * `/health/live` and `/health/ready` on an HTTP service's own port (the gateway, the sandbox page). An unready
 * answer is a 503 with the same body shape, set on the reply rather than thrown, so no app's exception filter
 * rewrites it. Not part of the gateway's API document.
 */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  live(): HealthAnswer {
    return this.health.live();
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: StatusReply): Promise<HealthAnswer> {
    const answer = await this.health.ready();
    reply.status(answer.status === 'ok' ? 200 : 503);
    return answer;
  }
}
