/**
 * The status stage: the leader writes the translator's desired status of each GatewayClass, Gateway and
 * HTTPRoute, and only where it differs from the object's current status (merge patch of the status
 * subresource, resourceVersion-guarded). A conflicted write is retried when the watch brings the object's
 * newer version (or after CONFLICT_RETRY_MS at the latest); other failures after RETRY_MS. A status that
 * someone else overwrote is written back. Nothing here can crash the controller.
 *
 * A translation's statuses are written once its config is live on a router (CONFIG_PUBLISHED), or after
 * PUBLISH_WAIT_MS without it: a route reported Accepted then answers, and the status writes (and the API
 * server's work for them) do not compete with the push for the CPU.
 *
 * Work is O(what changed): a pass checks only the objects marked dirty, by a new desired status (the
 * translator hands back the same status object for an unchanged route) or by a change to the object.
 *
 * Inputs are events only: desired statuses from CONFIG_TRANSLATED, the objects as the API server last
 * sent them from STATUS_OBJECT_CHANGED (kept here by reference, so no copy and no lookup into the
 * provider), leadership and publication. Its one output is StatusApi.patchStatus.
 */
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { OnPipelineEvent } from '../../pipeline/pipeline-bus.js';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { Coalescer } from '../../pipeline/coalescer.js';
import {
  CONFIG_PUBLISHED,
  CONFIG_TRANSLATED,
  LEADERSHIP_CHANGED,
  STATUS_OBJECT_CHANGED,
  type ConfigPublishedEvent,
  type ConfigTranslatedEvent,
  type LeadershipChangedEvent,
  type StatusKind,
  type StatusObjectChangedEvent,
} from '../../pipeline/pipeline.events.js';
import type { KubeObject, ObjectStatus } from '../../translator/translator.types.js';
import { KubeApiError } from '../../providers/kubernetes/kube-api.js';
import { statusCanon } from '../../translator/status-canon.js';
import { STATUS_API, type StatusApi } from './status-api.js';
import { statusMergePatch } from './status-patch.js';

export const STATUS_WRITES_TOTAL = 'serval_status_writes_total';
const CONCURRENCY = 8;
const RETRY_MS = 5_000;
/**
 * A 409 means our cached copy is older than the server's, and its watch event (which triggers the retry)
 * is on the way; this is the backstop in case it already came while the write was in flight.
 */
const CONFLICT_RETRY_MS = 1_000;
/**
 * An object's status is written at most once per this many ms; changes in between go out together in
 * the next write. A Gateway's attachedRoutes changes with every route added, so without it a burst of
 * 5,000 new routes also wrote the Gateway 5,000 times (and the writes that raced their own watch
 * event came back 409). An object's first write is never held back.
 */
const MIN_REWRITE_MS = 250;
/** How long a translation's statuses wait for its config to go live before they are written anyway. */
const PUBLISH_WAIT_MS = 250;

interface Written {
  /** The desired status we wrote. */
  desired: string;
  /** The status the API server stored in answer (it may normalize what we sent). */
  stored: string;
  /** When the write was answered (performance.now()). */
  at: number;
}

function keyOf(s: { kind: string; namespace?: string; name: string }): string {
  return `${s.kind}/${s.namespace ?? ''}/${s.name}`;
}

const refKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

@Injectable()
export class StatusWriter implements OnModuleDestroy {
  private readonly log = new Logger('StatusWriter');
  /** The latest translation, until its statuses are taken into `desired`. */
  private pending: { statuses: readonly ObjectStatus[]; version: string | undefined; released: boolean } | undefined;
  private publishedVersion: string | undefined;
  private publishWait: NodeJS.Timeout | undefined;
  /** The statuses taken in last, as a set and by object key. */
  private readonly statusSet = new Set<ObjectStatus>();
  private readonly desired = new Map<string, ObjectStatus>();
  /** Keys to check at the next pass. */
  private readonly dirty = new Set<string>();
  private leader = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAt = Infinity;
  private spacingTimer: NodeJS.Timeout | undefined;
  private readonly written = new Map<string, Written>();
  /** Objects whose last write came back 409. */
  private readonly conflicted = new Set<string>();
  /** The objects as the API server last sent them, per kind, by refKey (STATUS_OBJECT_CHANGED). */
  private readonly observed = new Map<StatusKind, Map<string, KubeObject>>();
  private readonly coalescer = new Coalescer({ quietMs: 10, maxWaitMs: 200 }, () => this.writeAll(), (err) => this.log.error({ err }, 'status write pass failed'));

  constructor(
    @Inject(STATUS_API) private readonly api: StatusApi,
    @InjectMetric(STATUS_WRITES_TOTAL) private readonly writes: Counter<'kind' | 'result'>,
  ) {}

  onModuleDestroy(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.spacingTimer);
    clearTimeout(this.publishWait);
    this.coalescer.close();
  }

  @OnPipelineEvent(CONFIG_TRANSLATED)
  onConfigTranslated(event: ConfigTranslatedEvent): void {
    const version = event.config.version;
    this.pending = { statuses: event.statuses, version, released: version === this.publishedVersion };
    if (this.pending.released) {
      if (this.leader) this.coalescer.trigger();
    } else {
      // Not reset by later translations: a stream of them still gets its statuses out this soon.
      this.publishWait ??= setTimeout(() => this.release(), PUBLISH_WAIT_MS).unref();
    }
  }

  @OnPipelineEvent(CONFIG_PUBLISHED)
  onConfigPublished(event: ConfigPublishedEvent): void {
    this.publishedVersion = event.version;
    if (this.pending?.version === event.version) this.release();
  }

  private release(): void {
    clearTimeout(this.publishWait);
    this.publishWait = undefined;
    if (this.pending) this.pending.released = true;
    if (this.leader) this.coalescer.trigger();
  }

  /** Takes in a translation's statuses: by identity, what is not in the previous list is new (or changed). */
  private absorb(next: readonly ObjectStatus[]): void {
    // The set is edited, not rebuilt: a set of thousands per translation was most of what the
    // controller allocated while routes were added one at a time (and so set how often it stopped to scavenge).
    for (const s of next) {
      if (this.statusSet.has(s)) continue;
      const key = keyOf(s);
      const replaced = this.desired.get(key);
      if (replaced !== undefined) this.statusSet.delete(replaced);
      this.desired.set(key, s);
      this.statusSet.add(s);
      this.dirty.add(key);
    }
    // Every status of `next` is in the set now; anything more belongs to an object that is gone.
    if (this.statusSet.size === next.length) return;
    const live = new Set(next);
    for (const s of this.statusSet) {
      if (live.has(s)) continue;
      this.statusSet.delete(s);
      const key = keyOf(s);
      if (this.desired.get(key) !== s) continue;
      this.desired.delete(key);
      this.dirty.delete(key);
      this.written.delete(key);
      this.conflicted.delete(key);
    }
  }

  /**
   * An object we write the status of changed in the cache: the echo of our own write (checked and
   * dropped), someone else's status write, a newer version after a conflict, or a re-created object
   * whose desired status is the same as before (no new translation comes for it).
   */
  @OnPipelineEvent(STATUS_OBJECT_CHANGED)
  onObjectChanged(event: StatusObjectChangedEvent): void {
    // Kept whether or not we lead: a replica that becomes leader diffs against the cluster at once.
    let objects = this.observed.get(event.kind);
    if (!objects) this.observed.set(event.kind, (objects = new Map()));
    if (event.ref === undefined) {
      objects.clear();
      for (const o of event.objects) objects.set(refKey(o.metadata.namespace, o.metadata.name), o);
      if (!this.leader) return;
      for (const [key, s] of this.desired) if (s.kind === event.kind) this.dirty.add(key);
    } else {
      const at = refKey(event.ref.namespace, event.ref.name);
      if (event.object === undefined) {
        objects.delete(at); // the translation without it follows
        return;
      }
      objects.set(at, event.object);
      if (!this.leader) return;
      const key = keyOf({ kind: event.kind, ...event.ref });
      if (!this.desired.has(key)) return; // not ours, or the translation that brings it is on its way
      this.dirty.add(key);
    }
    this.coalescer.trigger();
  }

  /** The object as the API server last sent it. */
  private current(s: ObjectStatus): KubeObject | undefined {
    return this.observed.get(s.kind)?.get(refKey(s.namespace, s.name));
  }

  @OnPipelineEvent(LEADERSHIP_CHANGED)
  onLeadershipChanged(event: LeadershipChangedEvent): void {
    this.leader = event.leader;
    this.written.clear();
    this.conflicted.clear();
    this.dirty.clear();
    if (!this.leader) return;
    if (this.pending) this.pending.released = true; // the config may have gone live while we were not leading
    for (const key of this.desired.keys()) this.dirty.add(key);
    this.coalescer.trigger();
  }

  /** Waits for pending writes (tests). */
  idle(): Promise<void> {
    return this.coalescer.idle();
  }

  private async writeAll(): Promise<void> {
    if (this.pending?.released) {
      this.absorb(this.pending.statuses);
      this.pending = undefined;
    }
    const now = performance.now();
    let nextDue = Infinity;
    const queue: ObjectStatus[] = [];
    for (const key of this.dirty) {
      const s = this.desired.get(key);
      if (s === undefined || !this.needsWrite(s)) {
        this.dirty.delete(key);
        this.conflicted.delete(key);
        continue;
      }
      const due = (this.written.get(key)?.at ?? -Infinity) + MIN_REWRITE_MS;
      if (due > now) {
        nextDue = Math.min(nextDue, due); // stays dirty until then
        continue;
      }
      this.dirty.delete(key);
      queue.push(s);
    }
    if (nextDue !== Infinity && this.spacingTimer === undefined) {
      this.spacingTimer = setTimeout(() => {
        this.spacingTimer = undefined;
        if (this.leader) this.coalescer.trigger();
      }, Math.ceil(nextDue - now)).unref();
    }
    const workers = Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
      for (let s = queue.shift(); s && this.leader; s = queue.shift()) await this.write(s);
    });
    await Promise.all(workers);
  }

  private needsWrite(s: ObjectStatus): boolean {
    const current = this.current(s);
    if (!current) return false; // deleted, or not seen yet: the next event brings it
    const have = statusCanon(current.status);
    const want = statusCanon(s.status);
    if (have === want) return false;
    // Already written and nothing changed since: what differs is the server's normalization.
    const w = this.written.get(keyOf(s));
    return !(w && w.desired === want && w.stored === have);
  }

  private async write(s: ObjectStatus): Promise<void> {
    const current = this.current(s);
    if (!current) return;
    const body = statusMergePatch(current.status, s.status, current.metadata.resourceVersion);
    const what = `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
    try {
      const stored = await this.api.patchStatus(s.kind, s.namespace, s.name, body);
      this.written.set(keyOf(s), { desired: statusCanon(s.status), stored: statusCanon(stored?.status), at: performance.now() });
      this.conflicted.delete(keyOf(s));
      this.writes.inc({ kind: s.kind, result: 'ok' });
      this.log.debug(`${what}: status written`);
    } catch (err) {
      const status = err instanceof KubeApiError ? err.status : undefined;
      this.writes.inc({ kind: s.kind, result: status === 409 ? 'conflict' : status === 404 ? 'not_found' : 'error' });
      const message = err instanceof Error ? err.message : String(err);
      if (status === 409) {
        // Retried when the newer version arrives (onObjectChanged), not before: the cache is behind.
        this.log.log(`${what}: status write conflicted; retried with the newer version`);
        this.conflicted.add(keyOf(s));
        this.retryIn(CONFLICT_RETRY_MS);
      } else if (status === 404) {
        this.log.log(`${what}: status write found no object; its deletion event follows`);
      } else {
        this.log.warn(`${what}: status write failed (${message}); retrying`);
        // No event may come for a while: try again on our own.
        this.dirty.add(keyOf(s));
        this.retryIn(RETRY_MS);
      }
    }
  }

  /** Runs a pass after `ms`, unless one is already set to run sooner. */
  private retryIn(ms: number): void {
    const at = performance.now() + ms;
    if (this.retryTimer !== undefined && this.retryAt <= at) return;
    clearTimeout(this.retryTimer);
    this.retryAt = at;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.retryAt = Infinity;
      if (!this.leader) return;
      for (const key of this.conflicted) this.dirty.add(key);
      this.coalescer.trigger();
    }, ms).unref();
  }
}
