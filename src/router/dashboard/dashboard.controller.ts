/**
 * The dashboard on the router admin API: `GET /` is the static page (public: it carries no data),
 * `GET /dashboard/state` is what it polls. When an admin token is set the state needs it too, unlike
 * the other reads: it is the one view an operator might expose through a port-forward and share.
 */
import { Controller, Get, Header, Headers, Inject, UnauthorizedException } from '@nestjs/common';
import { SETTINGS_TOKEN } from '../../config/settings.module.js';
import type { Settings } from '../../config/settings.schema.js';
import { bearerChecker } from '../../process/admin-security.js';
import { CONFIG_APPLIER } from '../admin/admin.tokens.js';
import type { ConfigApplier } from '../workers/config-applier.js';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard.page.js';
import { dashboardState, type DashboardState } from './dashboard-state.js';

@Controller()
export class DashboardController {
  private readonly authorized: ((authorization: string | undefined) => boolean) | undefined;

  constructor(
    @Inject(CONFIG_APPLIER) private readonly applier: ConfigApplier,
    @Inject(SETTINGS_TOKEN) settings: Settings,
  ) {
    this.authorized = settings.adminToken ? bearerChecker(settings.adminToken) : undefined;
  }

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', DASHBOARD_CSP)
  @Header('x-content-type-options', 'nosniff')
  @Header('referrer-policy', 'no-referrer')
  @Header('cache-control', 'no-cache')
  page(): string {
    return DASHBOARD_HTML;
  }

  @Get('dashboard/state')
  @Header('cache-control', 'no-store')
  async state(@Headers('authorization') authorization: string | undefined): Promise<DashboardState> {
    if (this.authorized && !this.authorized(authorization)) {
      throw new UnauthorizedException('the dashboard state needs Authorization: Bearer <admin token>');
    }
    const at = Date.now();
    const [health, metricsText] = await Promise.all([this.applier.endpointHealth(), this.applier.metricsText()]);
    return dashboardState({ at, live: this.applier.current, swaps: this.applier.swapCount, health, metricsText });
  }
}
