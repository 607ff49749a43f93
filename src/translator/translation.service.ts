/**
 * The translator stage of the pipeline: RESOURCES_CHANGED in, CONFIG_TRANSLATED out.
 * Bursts are coalesced (--debounce) so a flood of watch events costs one translation; the result is
 * validated against the wire contract before it goes anywhere (a translator bug must not reach routers);
 * nothing is emitted when neither the config version nor the statuses changed.
 */
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { OnPipelineEvent, PipelineBus } from '../pipeline/pipeline-bus.js';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { SETTINGS_TOKEN } from '../config/settings.module.js';
import type { Settings } from '../config/settings.schema.js';
import type { RouterConfig } from '../contract/router-config.schema.js';
import { freezeInTests } from '../contract/freeze.js';
import { ConfigValidationError, parseRouterConfig, ValidationCache } from '../contract/validate-config.js';
import { Coalescer } from '../pipeline/coalescer.js';
import { CONFIG_TRANSLATED, RESOURCES_CHANGED, type ConfigTranslatedEvent, type ResourcesChangedEvent } from '../pipeline/pipeline.events.js';
import { RejectionLog } from './rejection-log.js';
import type { ObjectStatus, ResourceSnapshot, TranslationResult, TranslatorOptions } from './translator.types.js';
import { sameStatuses } from './status-canon.js';
import { TranslationMemo } from './translation-memo.js';

/** Injection token of the pure translate function (the module provides the real one). */
export const TRANSLATE_FN = Symbol('serval.translate');
export type TranslateFn = (snapshot: ResourceSnapshot, options: TranslatorOptions, memo?: TranslationMemo) => TranslationResult;

export const RECONCILE_TOTAL = 'serval_reconcile_total';
export const RECONCILE_DURATION = 'serval_reconcile_duration_seconds';

export function translatorOptions(
  settings: Pick<Settings, 'controllerName' | 'gatewayAddresses' | 'gatewayPublicAddress'> & Partial<Pick<Settings, 'gatewayService'>>,
): TranslatorOptions {
  const [namespace, name] = settings.gatewayService?.split('/') ?? [];
  return {
    controllerName: settings.controllerName,
    gatewayAddresses: settings.gatewayAddresses.split(',').map((a) => a.trim()).filter(Boolean),
    ...(settings.gatewayPublicAddress ? { publicAddress: settings.gatewayPublicAddress } : {}),
    ...(namespace && name ? { publicAddressService: { namespace, name } } : {}),
  };
}

@Injectable()
export class TranslationService implements OnModuleDestroy {
  private readonly log = new Logger('Translator');
  private readonly coalescer: Coalescer;
  private readonly options: TranslatorOptions;
  private snapshot: ResourceSnapshot | undefined;
  private changedKinds = new Set<string>();
  private lastVersion: string | undefined;
  private lastStatuses: ObjectStatus[] | undefined;
  /** Identity caches of this pipeline's translator: owned here, one per TranslationService (docs/ARCHITECTURE.md, "Identity caches"). */
  private readonly memo = new TranslationMemo();
  private readonly validation = new ValidationCache();
  private latest: ConfigTranslatedEvent | undefined;
  private translations = 0;
  private readonly rejections = new RejectionLog(this.log);

  constructor(
    @Inject(SETTINGS_TOKEN) settings: Settings,
    @Inject(TRANSLATE_FN) private readonly translate: TranslateFn,
    private readonly events: PipelineBus,
    @InjectMetric(RECONCILE_TOTAL) private readonly reconcileTotal: Counter<'result'>,
    @InjectMetric(RECONCILE_DURATION) private readonly reconcileDuration: Histogram,
  ) {
    this.options = translatorOptions(settings);
    // A change after a quiet spell is translated on the next event-loop turn; changes that follow it
    // within --debounce of that translation are batched into the next one. So one route edit goes live
    // without waiting out a window, and a steady stream of writes (many controllers, CI applying
    // manifests) costs at most one translation per window, never held back waiting for a pause.
    const windowMs = settings.debounce;
    this.coalescer = new Coalescer({ quietMs: windowMs, maxWaitMs: windowMs, leading: true }, () => this.reconcile(), (err) =>
      this.log.error({ err }, 'translation failed'),
    );
  }

  @OnPipelineEvent(RESOURCES_CHANGED)
  onResourcesChanged(event: ResourcesChangedEvent): void {
    this.snapshot = event.snapshot;
    this.rejections.sources = event.sources;
    for (const kind of event.changedKinds) this.changedKinds.add(kind);
    this.coalescer.trigger();
  }

  /** The last valid translation (GET /config, readiness), or undefined before the first one. */
  get current(): ConfigTranslatedEvent | undefined {
    return this.latest;
  }

  /** How many times translate() ran (coalescing is visible here and in serval_reconcile_total). */
  get translationCount(): number {
    return this.translations;
  }

  /** Translate what is pending now instead of after the debounce (tests, shutdown). */
  flush(): Promise<void> {
    return this.coalescer.flush();
  }

  onModuleDestroy(): void {
    this.coalescer.close();
  }

  private reconcile(): void {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    const kinds = [...this.changedKinds];
    this.changedKinds.clear();
    const stopTimer = this.reconcileDuration.startTimer();
    this.translations++;
    let config: RouterConfig;
    let statuses: ObjectStatus[];
    let rejected: TranslationResult['rejected'];
    try {
      // Conditions that change get this time; unchanged ones keep theirs (the translator itself reads no clock).
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const result = this.translate(snapshot, { ...this.options, now }, this.memo);
      // The version is ours to compute: a content hash of what is actually sent.
      const { version: _ignored, ...content } = result.config;
      config = parseRouterConfig(content, this.validation);
      statuses = freezeInTests(result.statuses);
      rejected = result.rejected;
    } catch (err) {
      this.reconcileTotal.inc({ result: 'error' });
      stopTimer();
      if (err instanceof ConfigValidationError) {
        this.log.error({ path: err.path, reason: err.reason }, `translator produced an invalid config (kept the last good one): ${err.message}`);
      } else {
        this.log.error({ err }, 'translator failed (kept the last good config)');
      }
      return;
    }
    this.reconcileTotal.inc({ result: 'ok' });
    stopTimer();
    this.rejections.report(rejected ?? []);
    if (config.version === this.lastVersion && this.lastStatuses && sameStatuses(this.lastStatuses, statuses)) {
      this.log.debug({ changedKinds: kinds }, 'resources changed; config and statuses unchanged');
      return;
    }
    this.lastVersion = config.version;
    this.lastStatuses = statuses;
    this.latest = { config, statuses, ...(rejected ? { rejected } : {}) };
    this.log.log({ version: config.version, listeners: config.listeners.length, pools: config.pools.length, changedKinds: kinds }, `config ${config.version} translated`);
    this.events.emit(CONFIG_TRANSLATED, this.latest);
  }
}
