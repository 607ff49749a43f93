/**
 * The router admin API (:9901): config push (PUT /config, POST /routes/update, PATCH /config), inspection
 * (GET /config, /routes, /endpoints), probes (/healthz, /readyz) and /metrics. It drives whichever
 * ConfigApplier it is given, so the router process and standalone mode share it.
 */
import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { DashboardModule } from '../dashboard/dashboard.module.js';
import type { ConfigApplier } from '../workers/config-applier.js';
import { AdminErrorFilter } from './admin-error.filter.js';
import { AdminTokenMiddleware } from '../../process/admin-token.middleware.js';
import { CONFIG_APPLIER } from './admin.tokens.js';
import { RouterAdminController } from './router-admin.controller.js';
import { RouterAdminService } from './router-admin.service.js';
import { RouterHealthController } from './router-health.controller.js';

@Module({})
export class RouterAdminModule implements NestModule {
  /** Needs SETTINGS_TOKEN in scope (SettingsModule.forRoot). */
  static forRoot(applier: ConfigApplier): DynamicModule {
    return {
      module: RouterAdminModule,
      // Readiness failing before the first config is normal: no error log per probe.
      imports: [TerminusModule.forRoot({ logger: false }), DashboardModule.forRoot(applier)],
      controllers: [RouterAdminController, RouterHealthController],
      providers: [
        { provide: CONFIG_APPLIER, useValue: applier },
        RouterAdminService,
        AdminTokenMiddleware,
        { provide: APP_FILTER, useClass: AdminErrorFilter },
      ],
      exports: [RouterAdminService],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AdminTokenMiddleware).forRoutes('*');
  }
}
