/** The router dashboard (page + state endpoint), mounted on the admin API by RouterAdminModule. */
import { Module, type DynamicModule } from '@nestjs/common';
import { CONFIG_APPLIER } from '../admin/admin.tokens.js';
import type { ConfigApplier } from '../workers/config-applier.js';
import { DashboardController } from './dashboard.controller.js';

@Module({})
export class DashboardModule {
  /** Needs SETTINGS_TOKEN in scope (SettingsModule.forRoot, global). */
  static forRoot(applier: ConfigApplier): DynamicModule {
    return { module: DashboardModule, controllers: [DashboardController], providers: [{ provide: CONFIG_APPLIER, useValue: applier }] };
  }
}
