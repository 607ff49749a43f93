/**
 * AdminModule: the controller's own API on --address:--port. /healthz, /readyz (Terminus), GET /config,
 * GET /status, GET /metrics (Prometheus, every serval_* metric of the process), POST /reload.
 * Changes need `Authorization: Bearer <ADMIN_TOKEN>` when a token is set.
 */
import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { makeGaugeProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { PipelineState } from '../pipeline/pipeline-state.js';
import { AdminTokenMiddleware } from '../process/admin-token.middleware.js';
import { AdminController } from './admin.controller.js';
import { ConfigVersionMetric, CONFIG_INFO } from './config-version.metric.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), PrometheusModule.register({ path: '/metrics', defaultMetrics: { enabled: true } })],
  controllers: [HealthController, AdminController],
  providers: [
    PipelineState,
    AdminTokenMiddleware,
    ConfigVersionMetric,
    makeGaugeProvider({ name: CONFIG_INFO, help: 'The translated config version (label), value 1.', labelNames: ['version'] }),
  ],
  exports: [PipelineState],
})
export class AdminModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AdminTokenMiddleware).forRoutes('*');
  }
}
