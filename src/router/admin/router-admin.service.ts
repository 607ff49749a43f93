/**
 * The admin API's one provider: validates incoming documents, hands them to the ConfigApplier and
 * shapes what GET endpoints show. Controllers only translate HTTP to these calls.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { RouterConfig } from '../../contract/router-config.schema.js';
import { ConfigValidationError, parseAnyConfig, parseRouterConfig } from '../../contract/validate-config.js';
import { SETTINGS_TOKEN } from '../../config/settings.module.js';
import type { Settings } from '../../config/settings.schema.js';
import type { ApplyResult, ConfigApplier } from '../workers/config-applier.js';
import type { EndpointHealth } from '../workers/engine-port.js';
import { CONFIG_APPLIER } from './admin.tokens.js';
import { listRoutes, redactConfig, type RouteRow } from './config-view.js';

export type ConfigFormat = 'full-or-simple' | 'full';

export interface LiveConfigView {
  version: string | null;
  changedAt: string | null;
  swapCount: number;
  config: RouterConfig | null;
}

export type LiveVersionView = Omit<LiveConfigView, 'config'>;

export interface Readiness {
  ready: boolean;
  reason?: string;
  version?: string;
  readyWorkers: number;
}

@Injectable()
export class RouterAdminService {
  /** The redacted view of the live config, rebuilt only when the version changes. */
  private view: { version: string; config: RouterConfig } | undefined;

  constructor(
    @Inject(CONFIG_APPLIER) private readonly applier: ConfigApplier,
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
  ) {}

  /** Validates and applies a document. Throws ConfigValidationError (400) or ConfigApplyError. */
  async applyDocument(body: unknown, format: ConfigFormat): Promise<ApplyResult> {
    if (body === undefined || body === null) throw new ConfigValidationError('', 'missing request body (a JSON config document)');
    const config =
      format === 'full'
        ? parseRouterConfig(body)
        : parseAnyConfig(body, { address: this.settings.simpleListenAddress, port: this.settings.simpleListenPort });
    return this.applier.apply(config);
  }

  /** Validates a ConfigDelta against the live config and applies it. Throws ConfigValidationError (400), ConfigDeltaMismatchError (412) or ConfigApplyError. */
  async applyDelta(body: unknown): Promise<ApplyResult> {
    if (body === undefined || body === null) throw new ConfigValidationError('', 'missing request body (a JSON config delta)');
    return this.applier.applyDelta(body);
  }

  liveConfig(): LiveConfigView {
    const live = this.applier.current;
    if (!live) return { ...this.liveVersion(), config: null };
    if (this.view?.version !== live.version) this.view = { version: live.version, config: redactConfig(live.config) };
    return { ...this.liveVersion(), config: this.view.config };
  }

  liveVersion(): LiveVersionView {
    const live = this.applier.current;
    return { version: live?.version ?? null, changedAt: live?.changedAt.toISOString() ?? null, swapCount: this.applier.swapCount };
  }

  routes(): RouteRow[] {
    const live = this.applier.current;
    return live ? listRoutes(live.config) : [];
  }

  endpoints(): Promise<EndpointHealth[]> {
    return this.applier.endpointHealth();
  }

  readiness(): Readiness {
    const { readyWorkers } = this.applier.stats();
    const version = this.applier.current?.version;
    if (this.applier.draining) return { ready: false, reason: 'shutting down', readyWorkers };
    if (!version) return { ready: false, reason: 'no config loaded yet', readyWorkers };
    if (readyWorkers === 0) return { ready: false, reason: 'no traffic worker is ready', version, readyWorkers };
    return { ready: true, version, readyWorkers };
  }

  async metrics(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.applier.metricsContentType, text: await this.applier.metricsText() };
  }
}
