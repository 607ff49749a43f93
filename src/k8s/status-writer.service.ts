/**
 * The status stage: the leader writes the translator's desired status of each GatewayClass, Gateway and
 * HTTPRoute, and only where it differs from the object's current status (merge patch of the status
 * subresource, resourceVersion-guarded). A conflicted write is retried when the watch brings the object's
 * newer version (or after CONFLICT_RETRY_MS at the latest); other failures after RETRY_MS. A status that
 * someone else overwrote is written back. Nothing here can crash the controller.
 */
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { PatchStrategy } from '@kubernetes/client-node';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { Coalescer } from '../pipeline/coalescer.js';
import {
  CONFIG_TRANSLATED,
  LEADERSHIP_CHANGED,
  RESOURCES_CHANGED,
  STATUS_OBSERVED,
  type ConfigTranslatedEvent,
  type LeadershipChangedEvent,
  type StatusObservedEvent,
} from '../pipeline/pipeline.events.js';
import type { ObjectStatus } from '../translator/translator.types.js';
import { K8sResourceProvider } from './k8s-resource.provider.js';
import { KubeApi, KubeApiError } from './kube-api.js';
import { STATUS_KINDS } from './resource-kinds.js';
import { statusCanon } from '../translator/status-canon.js';
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

@Injectable()
export class StatusWriter implements OnModuleDestroy {
  private readonly log = new Logger('StatusWriter');
  private desired: ObjectStatus[] = [];
  private leader = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAt = Infinity;
  private spacingTimer: NodeJS.Timeout | undefined;
  private readonly written = new Map<string, Written>();
  /** Objects whose last write came back 409. */
  private readonly conflicted = new Set<string>();
  private readonly coalescer = new Coalescer({ quietMs: 10, maxWaitMs: 200 }, () => this.writeAll(), (err) => this.log.error({ err }, 'status write pass failed'));

  constructor(
    private readonly api: KubeApi,
    private readonly resources: K8sResourceProvider,
    @InjectMetric(STATUS_WRITES_TOTAL) private readonly writes: Counter<'kind' | 'result'>,
  ) {}

  onModuleDestroy(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.spacingTimer);
    this.coalescer.close();
  }

  @OnEvent(CONFIG_TRANSLATED)
  onConfigTranslated(event: ConfigTranslatedEvent): void {
    this.desired = event.statuses;
    if (this.leader) this.coalescer.trigger();
  }

  /** Objects' current statuses changed (or a failed write can be retried). */
  @OnEvent(RESOURCES_CHANGED)
  onResourcesChanged(): void {
    if (this.leader) this.coalescer.trigger();
  }

  /**
   * Status-only changes do not reach the translator (RESOURCES_CHANGED): most are the echoes of our own
   * writes. A pass is due when the object's last write conflicted, or when the status now differs from
   * what the server stored for our write (someone else wrote it, or the echo beat our write's answer).
   */
  @OnEvent(STATUS_OBSERVED)
  onStatusObserved(event: StatusObservedEvent): void {
    if (!this.leader) return;
    const key = keyOf(event);
    const w = this.written.get(key);
    if (this.conflicted.has(key) || (w && w.stored !== statusCanon(this.resources.get(event.kind, event.namespace, event.name)?.status))) {
      this.coalescer.trigger();
    }
  }

  @OnEvent(LEADERSHIP_CHANGED)
  onLeadershipChanged(event: LeadershipChangedEvent): void {
    this.leader = event.leader;
    this.written.clear();
    this.conflicted.clear();
    if (this.leader) this.coalescer.trigger();
  }

  /** Waits for pending writes (tests). */
  idle(): Promise<void> {
    return this.coalescer.idle();
  }

  private async writeAll(): Promise<void> {
    if (this.written.size > this.desired.length) {
      // Objects that are gone (or no longer ours) leave their records behind: drop them.
      const wanted = new Set(this.desired.map(keyOf));
      for (const key of this.written.keys()) if (!wanted.has(key)) this.written.delete(key);
      for (const key of this.conflicted) if (!wanted.has(key)) this.conflicted.delete(key);
    }
    const now = performance.now();
    let nextDue = Infinity;
    const queue = this.desired.filter((s) => {
      if (!this.needsWrite(s)) return false;
      const due = (this.written.get(keyOf(s))?.at ?? -Infinity) + MIN_REWRITE_MS;
      if (due <= now) return true;
      nextDue = Math.min(nextDue, due);
      return false;
    });
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
    const current = this.resources.get(s.kind, s.namespace, s.name);
    if (!current) return false; // deleted, or not seen yet: the next event brings it
    const have = statusCanon(current.status);
    const want = statusCanon(s.status);
    if (have === want) return false;
    // Already written and nothing changed since: what differs is the server's normalization.
    const w = this.written.get(keyOf(s));
    return !(w && w.desired === want && w.stored === have);
  }

  private async write(s: ObjectStatus): Promise<void> {
    const current = this.resources.get(s.kind, s.namespace, s.name);
    if (!current) return;
    const coords = STATUS_KINDS[s.kind];
    const path = coords.namespaced
      ? `/apis/${coords.group}/${coords.version}/namespaces/${encodeURIComponent(s.namespace ?? '')}/${coords.plural}/${encodeURIComponent(s.name)}/status`
      : `/apis/${coords.group}/${coords.version}/${coords.plural}/${encodeURIComponent(s.name)}/status`;
    const body = statusMergePatch(current.status, s.status, current.metadata.resourceVersion);
    const what = `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
    try {
      const stored = await this.api.request<{ status?: unknown }>('PATCH', path, { body, contentType: PatchStrategy.MergePatch });
      this.written.set(keyOf(s), { desired: statusCanon(s.status), stored: statusCanon(stored?.status), at: performance.now() });
      this.conflicted.delete(keyOf(s));
      this.writes.inc({ kind: s.kind, result: 'ok' });
      this.log.debug(`${what}: status written`);
    } catch (err) {
      const status = err instanceof KubeApiError ? err.status : undefined;
      this.writes.inc({ kind: s.kind, result: status === 409 ? 'conflict' : status === 404 ? 'not_found' : 'error' });
      const message = err instanceof Error ? err.message : String(err);
      if (status === 409) {
        this.log.log(`${what}: status write conflicted; retried with the newer version`);
        this.conflicted.add(keyOf(s));
        this.retryIn(CONFLICT_RETRY_MS);
      } else if (status === 404) {
        this.log.log(`${what}: status write found no object; its deletion event follows`);
      } else {
        this.log.warn(`${what}: status write failed (${message}); retrying`);
        // No event may come for a while: try again on our own.
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
      if (this.leader) this.coalescer.trigger();
    }, ms).unref();
  }
}
