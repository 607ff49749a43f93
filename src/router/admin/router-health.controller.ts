/** Liveness, readiness (Terminus) and Prometheus metrics of the router. */
import { Controller, Get, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult, type HealthIndicatorResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { RouterAdminService } from './router-admin.service.js';

@Controller()
export class RouterHealthController {
  constructor(
    private readonly admin: RouterAdminService,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  /** The process answers: always 200. */
  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 once a config is live and workers serve it; 503 before that and while shutting down. */
  @Get('readyz')
  @HealthCheck()
  readyz(): Promise<HealthCheckResult> {
    return this.health.check([() => this.configIndicator()]);
  }

  @Get('metrics')
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const { contentType, text } = await this.admin.metrics();
    void reply.header('content-type', contentType);
    return text;
  }

  private configIndicator(): HealthIndicatorResult<'config'> {
    const state = this.admin.readiness();
    const indicator = this.indicators.check('config');
    return state.ready
      ? indicator.up({ version: state.version, readyWorkers: state.readyWorkers })
      : indicator.down({ reason: state.reason, readyWorkers: state.readyWorkers });
  }
}
