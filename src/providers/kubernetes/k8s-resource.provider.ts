/**
 * The Kubernetes provider stage: one informer per watched kind, feeding RESOURCES_CHANGED with a full
 * snapshot of plain wire-format objects. Nothing is emitted before every informer has synced (a partial
 * snapshot would translate into a config missing routes or backends). Changes that arrive together are
 * batched into one event; the translator's debounce coalesces the rest.
 */
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { OnPipelineEvent, PipelineBus } from '../../pipeline/pipeline-bus.js';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import {
  RELOAD_REQUESTED,
  RESOURCES_CHANGED,
  STATUS_OBJECT_CHANGED,
  type ResourcesChangedEvent,
} from '../../pipeline/pipeline.events.js';
import type { KubeObject, ResourceSnapshot } from '../../translator/translator.types.js';
import { freezeInTests } from '../../contract/freeze.js';
import { Informer, type InformerListener } from './informer.js';
import { KubeApi } from './kube-api.js';
import { emptySnapshot, isStatusKind, WATCHED_KINDS, type ResourceKind } from './resource-kinds.js';

export const WATCH_RESTARTS_TOTAL = 'serval_watch_restarts_total';
export const WATCHED_OBJECTS = 'serval_watched_objects';

@Injectable()
export class K8sResourceProvider implements OnApplicationBootstrap, OnApplicationShutdown, InformerListener {
  private readonly log = new Logger('K8sProvider');
  private readonly informers: Informer[];
  private readonly byKind = new Map<string, Informer>();
  private readonly dirty = new Set<ResourceKind>();
  private readonly cached = new Map<keyof ResourceSnapshot, KubeObject[]>();
  private emitScheduled = false;
  private ready = false;

  constructor(
    api: KubeApi,
    private readonly events: PipelineBus,
    private readonly eventsReady: EventEmitterReadinessWatcher,
    @InjectMetric(WATCH_RESTARTS_TOTAL) private readonly restarts: Counter<'kind' | 'reason'>,
    @InjectMetric(WATCHED_OBJECTS) private readonly objects: Gauge<'kind'>,
  ) {
    this.informers = WATCHED_KINDS.map((kind) => new Informer(api, kind, this));
    for (const i of this.informers) this.byKind.set(i.resource.kind, i);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Listeners are registered at bootstrap; the first event must not beat them.
    await this.eventsReady.waitUntilReady();
    for (const i of this.informers) i.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** Every informer has listed its kind at least once. */
  get allSynced(): boolean {
    return this.informers.every((i) => i.synced);
  }

  @OnPipelineEvent(RELOAD_REQUESTED)
  reload(): void {
    this.log.log('reload requested: re-listing every kind');
    for (const i of this.informers) i.relist();
  }

  snapshot(): ResourceSnapshot {
    const snapshot = emptySnapshot();
    for (const i of this.informers) {
      const key = i.resource.snapshotKey;
      let items = this.cached.get(key);
      if (!items) {
        items = [...i.store.values()];
        this.cached.set(key, items);
      }
      // The cache holds every kind alike; the API server checked each object against its kind's schema.
      (snapshot as Record<keyof ResourceSnapshot, KubeObject[]>)[key] = items;
    }
    return snapshot;
  }

  // InformerListener

  changed(kind: ResourceKind): void {
    this.dirty.add(kind);
    this.cached.delete(kind.snapshotKey);
    if (this.emitScheduled) return;
    this.emitScheduled = true;
    setImmediate(() => this.emit());
  }

  statusChanged(kind: ResourceKind): void {
    // Keep snapshots current (GET /status, the next translation's carried-over conditions) without paying for a translation.
    this.cached.delete(kind.snapshotKey);
  }

  statusTargetChanged(kind: ResourceKind, object?: KubeObject, deleted = false): void {
    if (!isStatusKind(kind.kind)) return;
    // The objects themselves travel (no copy): the status writer diffs against them instead of reading this cache.
    if (!object) {
      const objects = [...(this.byKind.get(kind.kind)?.store.values() ?? [])];
      this.events.emit(STATUS_OBJECT_CHANGED, { kind: kind.kind, objects });
      return;
    }
    const ref = { namespace: object.metadata.namespace, name: object.metadata.name };
    this.events.emit(STATUS_OBJECT_CHANGED, { kind: kind.kind, ref, object: deleted ? undefined : object });
  }

  synced(kind: ResourceKind): void {
    this.log.log(`${kind.kind}: synced (${this.byKind.get(kind.kind)?.store.size ?? 0} objects)`);
    if (!this.ready && this.allSynced) {
      this.ready = true;
      this.log.log('all informers synced');
      this.changed(kind);
    }
  }

  restarted(kind: ResourceKind, reason: 'error' | 'expired', err: unknown, delayMs: number): void {
    this.restarts.inc({ kind: kind.kind, reason });
    const message = err instanceof Error ? err.message : String(err);
    if (reason === 'expired') this.log.log(`${kind.kind}: resourceVersion expired (410), re-listing`);
    else this.log.warn({ kind: kind.kind, delayMs }, `${kind.kind}: watch failed (${message}); restarting in ${delayMs} ms`);
  }

  private emit(): void {
    this.emitScheduled = false;
    if (!this.ready) return;
    const changedKinds = [...this.dirty].map((k) => k.kind);
    this.dirty.clear();
    for (const i of this.informers) this.objects.set({ kind: i.resource.kind }, i.store.size);
    const event: ResourcesChangedEvent = { snapshot: freezeInTests(this.snapshot()), changedKinds };
    this.log.debug({ changedKinds }, 'resources changed');
    this.events.emit(RESOURCES_CHANGED, event);
  }
}
