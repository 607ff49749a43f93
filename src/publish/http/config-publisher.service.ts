/**
 * The publisher stage (controller mode): every translated config version goes to every router replica.
 * Only the leader pushes. Each replica is driven by its own serialized loop that always sends the newest
 * config (intermediate versions are skipped, never interleaved). A replica that restarted or reports an
 * older version is found by the periodic version check (--resync-interval) or when it first appears,
 * and brought up to date without waiting for the next change. On failure the router keeps its last good
 * config; we warn, count it, and try again at the next check.
 */
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { OnPipelineEvent, PipelineBus } from '../../pipeline/pipeline-bus.js';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { SETTINGS_TOKEN } from '../../config/settings.module.js';
import type { Settings } from '../../config/settings.schema.js';
import { diffConfigs, deltaSize } from '../../contract/config-delta.js';
import type { RouterConfig } from '../../contract/router-config.schema.js';
import {
  CONFIG_PUBLISHED,
  CONFIG_TRANSLATED,
  LEADERSHIP_CHANGED,
  RELOAD_REQUESTED,
  RESOURCES_CHANGED,
  type ConfigPublishedEvent,
  type ConfigTranslatedEvent,
  type LeadershipChangedEvent,
  type ResourcesChangedEvent,
} from '../../pipeline/pipeline.events.js';
import { PushError, RouterAdminClient, type PushResult } from './router-admin-client.js';
import { parseServiceRef, parseUrlList, serviceEndpointUrls, type ServiceRef } from './replica-targets.js';

export const PUSH_ATTEMPTS_TOTAL = 'serval_push_attempts_total';
export const PUSH_FAILURES_TOTAL = 'serval_push_failures_total';
export const REPLICA_IN_SYNC = 'serval_replica_in_sync';

interface Replica {
  url: string;
  /** Version the replica is known to serve; undefined: unknown (ask before pushing). */
  acked: string | undefined;
  /** The document of the version it last acknowledged from us: the base of the next delta. */
  base: RouterConfig | undefined;
  /** Version it refused (4xx): not re-pushed until the config changes or a reload. */
  rejected: string | undefined;
  busy: boolean;
  again: boolean;
  /** Counts the replica loop's rounds: a version check that saw it move on holds an older answer. */
  rounds: number;
  /** Push without asking first (reload). */
  force: boolean;
}

@Injectable()
export class ConfigPublisher implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('DataPlane');
  private readonly client: RouterAdminClient;
  private readonly replicas = new Map<string, Replica>();
  private readonly serviceRef: ServiceRef | undefined;
  private readonly abort = new AbortController();
  private desired: RouterConfig | undefined;
  private leader = false;
  private resyncTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(SETTINGS_TOKEN) private readonly settings: Settings,
    private readonly events: PipelineBus,
    @InjectMetric(PUSH_ATTEMPTS_TOTAL) private readonly attemptsTotal: Counter<'replica'>,
    @InjectMetric(PUSH_FAILURES_TOTAL) private readonly failuresTotal: Counter<'replica'>,
    @InjectMetric(REPLICA_IN_SYNC) private readonly inSync: Gauge<'replica'>,
  ) {
    this.client = new RouterAdminClient({ token: settings.adminToken, onAttempt: (url) => this.attemptsTotal.inc({ replica: url }) });
    this.serviceRef = parseServiceRef(settings.dataPlaneService);
    for (const url of parseUrlList(settings.dataPlaneUrl)) this.addReplica(url);
  }

  onModuleInit(): void {
    if (!this.serviceRef && this.replicas.size === 0) {
      this.log.warn('no data plane configured (--data-plane-url or --data-plane-service): configs are translated but not pushed');
    }
    this.resyncTimer = setInterval(() => void this.resync(), this.settings.resyncInterval);
    this.resyncTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.resyncTimer);
    this.abort.abort();
  }

  @OnPipelineEvent(CONFIG_TRANSLATED)
  onConfigTranslated(event: ConfigTranslatedEvent): void {
    this.desired = event.config;
    for (const r of this.replicas.values()) this.inSync.set({ replica: r.url }, r.acked === event.config.version ? 1 : 0);
    this.syncAll();
  }

  @OnPipelineEvent(LEADERSHIP_CHANGED)
  onLeadershipChanged(event: LeadershipChangedEvent): void {
    const wasLeader = this.leader;
    this.leader = event.leader;
    if (event.leader && !wasLeader) {
      // What the routers serve may have changed while another replica led: ask before pushing.
      for (const r of this.replicas.values()) r.acked = undefined;
      this.syncAll();
    }
  }

  @OnPipelineEvent(RESOURCES_CHANGED)
  onResourcesChanged(event: ResourcesChangedEvent): void {
    if (!this.serviceRef) return;
    const urls = serviceEndpointUrls(event.snapshot, this.serviceRef);
    const wanted = new Set(urls);
    for (const url of [...this.replicas.keys()]) {
      if (!wanted.has(url)) {
        this.replicas.delete(url);
        this.inSync.remove({ replica: url });
        this.log.log(`router replica ${url} left`);
      }
    }
    for (const url of urls) {
      if (this.replicas.has(url)) continue;
      this.log.log(`router replica ${url} discovered`);
      this.drive(this.addReplica(url));
    }
  }

  @OnPipelineEvent(RELOAD_REQUESTED)
  onReload(): void {
    for (const r of this.replicas.values()) {
      r.acked = undefined;
      r.rejected = undefined;
      r.force = true;
    }
    this.syncAll();
  }

  /** Periodic version check: replicas that restarted (serve nothing) or lag are brought up to date. */
  async resync(): Promise<void> {
    const desired = this.desired;
    if (!this.leader || !desired) return;
    await Promise.all(
      [...this.replicas.values()].map(async (r) => {
        if (r.busy) return;
        const rounds = r.rounds;
        let live: string | undefined;
        try {
          live = await this.client.liveVersion(r.url, this.abort.signal);
        } catch {
          live = undefined;
        }
        // A push that ran (or began) meanwhile knows better than this answer: never overwrite its acknowledgement.
        if (r.busy || r.rounds !== rounds) return;
        r.acked = live;
        this.inSync.set({ replica: r.url }, r.acked === desired.version ? 1 : 0);
        if (r.acked !== desired.version && r.rejected !== desired.version) this.drive(r);
      }),
    );
  }

  private addReplica(url: string): Replica {
    const replica: Replica = { url, acked: undefined, base: undefined, rejected: undefined, busy: false, again: false, rounds: 0, force: false };
    this.replicas.set(url, replica);
    this.inSync.set({ replica: url }, 0);
    return replica;
  }

  private syncAll(): void {
    const version = this.desired?.version;
    if (this.replicas.size === 0 && this.leader && version) {
      // Nobody to deliver to (yet): the config is as published as it can be.
      this.events.emit(CONFIG_PUBLISHED, { version, replicas: [] });
      return;
    }
    for (const r of this.replicas.values()) this.drive(r);
  }

  /** One loop per replica: never two pushes to the same router at once, always the newest config. */
  private drive(replica: Replica): void {
    if (replica.busy) {
      replica.again = true;
      return;
    }
    replica.busy = true;
    void (async () => {
      try {
        do {
          replica.again = false;
          replica.rounds++;
          await this.syncOnce(replica);
        } while (replica.again && !this.abort.signal.aborted);
      } finally {
        replica.busy = false;
      }
    })();
  }

  private async syncOnce(replica: Replica): Promise<void> {
    const config = this.desired;
    if (!this.leader || !config?.version || this.abort.signal.aborted) return;
    if (!this.replicas.has(replica.url)) return;
    if (replica.acked === config.version) return;
    if (replica.acked === undefined && !replica.force) {
      try {
        replica.acked = await this.client.liveVersion(replica.url, this.abort.signal);
      } catch {
        // Unreachable right now: the push below retries and reports.
      }
      if (replica.acked === config.version) return this.published(replica, config.version);
    }
    replica.force = false;
    try {
      const result: PushResult & { delta?: number } = (await this.pushDelta(replica, config)) ?? (await this.client.push(replica.url, config, this.abort.signal));
      replica.acked = result.version;
      replica.base = result.version === config.version ? config : undefined;
      replica.rejected = undefined;
      this.log.log({ replica: replica.url, version: result.version, attempts: result.attempts, delta: result.delta }, `config ${result.version} pushed to ${replica.url}`);
      this.published(replica, result.version);
    } catch (err) {
      if (this.abort.signal.aborted) return;
      const e = err as PushError;
      replica.acked = undefined;
      replica.base = undefined;
      if (e.rejected) replica.rejected = config.version;
      this.failuresTotal.inc({ replica: replica.url });
      this.inSync.set({ replica: replica.url }, 0);
      this.log.warn(
        { replica: replica.url, version: config.version, status: e.status, attempts: e.attempts },
        `push of config ${config.version} to ${replica.url} failed (${e.message}); the router keeps its last good config${e.rejected ? '' : ', retrying at the next version check'}`,
      );
    }
  }

  /**
   * Sends only what changed since the version the replica acknowledged, when we hold that document.
   * Undefined when there is no delta to send or the router refused it (then the whole config goes).
   */
  private async pushDelta(replica: Replica, config: RouterConfig): Promise<(PushResult & { delta: number }) | undefined> {
    const base = replica.base;
    if (!base || base.version !== replica.acked) return undefined;
    const delta = diffConfigs(base, config);
    if (!delta) return undefined;
    try {
      return { ...(await this.client.pushDelta(replica.url, delta, this.abort.signal)), delta: deltaSize(delta) };
    } catch (err) {
      if (!(err instanceof PushError) || !err.rejected) throw err;
      this.log.log({ replica: replica.url, status: err.status }, `delta refused by ${replica.url} (${err.message}); sending the whole config`);
      replica.base = undefined;
      return undefined;
    }
  }

  private published(replica: Replica, version: string): void {
    this.inSync.set({ replica: replica.url }, version === this.desired?.version ? 1 : 0);
    const event: ConfigPublishedEvent = { version, replicas: [replica.url] };
    this.events.emit(CONFIG_PUBLISHED, event);
  }
}
