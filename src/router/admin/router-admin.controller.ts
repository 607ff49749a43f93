/** Config endpoints of the router admin API: thin adapters over RouterAdminService. */
import { Body, Controller, Get, HttpCode, Patch, Post, Put } from '@nestjs/common';
import type { ApplyResult } from '../workers/config-applier.js';
import type { EndpointHealth } from '../workers/engine-port.js';
import type { RouteRow } from './config-view.js';
import { RouterAdminService, type LiveConfigView, type LiveVersionView } from './router-admin.service.js';

export interface ApplyResponse {
  ok: true;
  version: string;
  changed: boolean;
  changedAt: string;
}

function applied(result: ApplyResult): ApplyResponse {
  return { ok: true, version: result.version, changed: result.changed, changedAt: result.changedAt.toISOString() };
}

@Controller()
export class RouterAdminController {
  constructor(private readonly admin: RouterAdminService) {}

  /** The full format, or the original design's simple one (routes + pools + default_pool). */
  @Put('config')
  @HttpCode(200)
  async putConfig(@Body() body: unknown): Promise<ApplyResponse> {
    return applied(await this.admin.applyDocument(body, 'full-or-simple'));
  }

  /** What the control plane sends: the full format only. */
  @Post('routes/update')
  @HttpCode(200)
  async updateRoutes(@Body() body: unknown): Promise<ApplyResponse> {
    return applied(await this.admin.applyDocument(body, 'full'));
  }

  /**
   * A ConfigDelta on top of the live config (what the control plane sends once a router holds a
   * version): 412 when it does not fit the live config, and the sender then sends the whole config.
   */
  @Patch('config')
  @HttpCode(200)
  async patchConfig(@Body() body: unknown): Promise<ApplyResponse> {
    return applied(await this.admin.applyDelta(body));
  }

  @Get('config')
  config(): LiveConfigView {
    return this.admin.liveConfig();
  }

  /** The live version alone: what the control plane's periodic check needs (GET /config is ~1 MB at 5,000 routes). */
  @Get('config/version')
  version(): LiveVersionView {
    return this.admin.liveVersion();
  }

  @Get('routes')
  routes(): RouteRow[] {
    return this.admin.routes();
  }

  @Get('endpoints')
  endpoints(): Promise<EndpointHealth[]> {
    return this.admin.endpoints();
  }
}
