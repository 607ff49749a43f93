/** /healthz (the process answers) and /readyz (resources synced and, for the leader, a first config published). */
import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult, type HealthIndicatorResult } from '@nestjs/terminus';
import { PipelineState } from '../pipeline/pipeline-state.js';

@Controller()
export class HealthController {
  constructor(
    private readonly state: PipelineState,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @HealthCheck()
  readyz(): Promise<HealthCheckResult> {
    return this.health.check([() => this.pipeline()]);
  }

  private pipeline(): HealthIndicatorResult<'pipeline'> {
    const r = this.state.readiness();
    const indicator = this.indicators.check('pipeline');
    const details = { leader: this.state.leader, version: this.state.config?.version ?? null };
    return r.ready ? indicator.up(details) : indicator.down({ ...details, reason: r.reason });
  }
}
