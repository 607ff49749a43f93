/** The controller's API: GET /config, GET /status, POST /reload. Thin adapters over PipelineState and events. */
import { Controller, Get, HttpCode, NotFoundException, Post } from '@nestjs/common';
import { PipelineBus } from '../pipeline/pipeline-bus.js';
import type { RouterConfig } from '../contract/router-config.schema.js';
import { PipelineState } from '../pipeline/pipeline-state.js';
import { RELOAD_REQUESTED } from '../pipeline/pipeline.events.js';
import { redactConfig } from '../router/admin/config-view.js';
import type { ObjectStatus } from '../translator/translator.types.js';

export interface StatusView {
  leader: boolean;
  synced: boolean;
  version: string | null;
  translatedAt: string | null;
  publishedVersion: string | null;
  publishedAt: string | null;
  statuses: ObjectStatus[];
}

export function statusView(state: PipelineState): StatusView {
  return {
    leader: state.leader,
    synced: state.synced,
    version: state.config?.version ?? null,
    translatedAt: state.translatedAt?.toISOString() ?? null,
    publishedVersion: state.publishedVersion ?? null,
    publishedAt: state.publishedAt?.toISOString() ?? null,
    statuses: state.statuses,
  };
}

@Controller()
export class AdminController {
  private redacted: RouterConfig | undefined;

  constructor(
    private readonly state: PipelineState,
    private readonly events: PipelineBus,
  ) {}

  /** The current translated config, TLS private keys redacted. */
  @Get('config')
  config(): RouterConfig {
    const config = this.state.config;
    if (!config) throw new NotFoundException('no config translated yet');
    if (this.redacted?.version !== config.version) this.redacted = redactConfig(config);
    return this.redacted!;
  }

  /** Leadership, versions and the desired status of every Gateway API object. */
  @Get('status')
  status(): StatusView {
    return statusView(this.state);
  }

  /** Re-list every resource and push the config to every router (needs the admin token when set). */
  @Post('reload')
  @HttpCode(202)
  reload(): { accepted: true } {
    this.events.emit(RELOAD_REQUESTED, {});
    return { accepted: true };
  }
}
