/**
 * List-then-watch cache of one resource kind, written as an explicit loop (client-node's informer stops
 * on errors other than 410): list (paginated) -> watch from the list's resourceVersion -> resume the watch
 * from the last seen resourceVersion (bookmarks keep it fresh) when the server ends it -> re-list on
 * 410 Gone -> restart with capped exponential backoff on any other error, forever, until stopped.
 */
import type { KubeObject } from '../../translator/translator.types.js';
import { Backoff, sleep, type BackoffPolicy } from '../../pipeline/backoff.js';
import { isGone, type KubeApi, type WatchEventType } from './kube-api.js';
import { objectKey, type ResourceKind } from './resource-kinds.js';

export const INFORMER_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 30_000, factor: 2, jitter: 0.2 };
const PAGE_SIZE = 500;
/** A watch that lasted this long (or delivered events) was healthy: the next failure starts a fresh backoff. */
const HEALTHY_WATCH_MS = 10_000;

export interface InformerListener {
  /** The cache changed (after the first list: every add, update, delete, or a re-list that differs). */
  changed(kind: ResourceKind): void;
  /**
   * Only an object's status changed (same generation, labels and annotations): the cache holds the new
   * object, but nothing the translator routes on moved. Most of these are our own status writes.
   */
  statusChanged(kind: ResourceKind): void;
  /**
   * An object of a kind whose status we write was added, modified or (`deleted`) removed; without
   * `object`, all of them (a re-list: the store holds them).
   */
  statusTargetChanged(kind: ResourceKind, object?: KubeObject, deleted?: boolean): void;
  /** The watch failed and restarts after `delayMs` (`reason`: error, or expired for a 410 re-list). */
  restarted(kind: ResourceKind, reason: 'error' | 'expired', err: unknown, delayMs: number): void;
  synced(kind: ResourceKind): void;
}

interface ListResponse {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

export class Informer {
  readonly store = new Map<string, KubeObject>();
  private resourceVersion: string | undefined;
  private isSynced = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private watchHandle: { abort(): void } | undefined;
  private readonly stopSignal = new AbortController();
  private readonly backoff: Backoff;

  constructor(
    private readonly api: KubeApi,
    readonly resource: ResourceKind,
    private readonly listener: InformerListener,
    backoff: BackoffPolicy = INFORMER_BACKOFF,
  ) {
    this.backoff = new Backoff(backoff);
  }

  get synced(): boolean {
    return this.isSynced;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    this.watchHandle?.abort();
    await this.loop;
  }

  /** Throws away the resume point and lists again (POST /reload). */
  relist(): void {
    this.resourceVersion = undefined;
    this.watchHandle?.abort();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) await this.list();
        await this.watchOnce();
      } catch (err) {
        if (this.stopped) break;
        if (isGone(err)) {
          this.resourceVersion = undefined;
          this.listener.restarted(this.resource, 'expired', err, 0);
          continue;
        }
        const delay = this.backoff.next();
        this.listener.restarted(this.resource, 'error', err, delay);
        await sleep(delay, this.stopSignal.signal);
      }
    }
  }

  private withKind(o: KubeObject): KubeObject {
    // List items come without apiVersion/kind; managedFields is bookkeeping nobody downstream reads.
    const { managedFields: _mf, ...metadata } = o.metadata as KubeObject['metadata'] & { managedFields?: unknown };
    return { ...o, apiVersion: this.resource.apiVersion, kind: this.resource.kind, metadata };
  }

  private async list(): Promise<void> {
    const fresh = new Map<string, KubeObject>();
    let token: string | undefined;
    let rv: string | undefined;
    do {
      const page = await this.api.request<ListResponse>('GET', this.resource.path, {
        query: { limit: String(PAGE_SIZE), continue: token, fieldSelector: this.resource.fieldSelector },
        signal: this.stopSignal.signal,
      });
      for (const item of page.items ?? []) {
        const o = this.withKind(item);
        fresh.set(objectKey(o), o);
      }
      token = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion;
    } while (token);
    const differs = !this.isSynced || fresh.size !== this.store.size || [...fresh].some(([k, o]) => this.store.get(k)?.metadata.resourceVersion !== o.metadata.resourceVersion);
    this.store.clear();
    for (const [k, o] of fresh) this.store.set(k, o);
    this.resourceVersion = rv;
    this.backoff.reset();
    if (!this.isSynced) {
      this.isSynced = true;
      this.listener.synced(this.resource);
    }
    if (differs) {
      this.listener.changed(this.resource);
      if (STATUS_WRITTEN_KINDS.has(this.resource.kind)) this.listener.statusTargetChanged(this.resource);
    }
  }

  private async watchOnce(): Promise<void> {
    const startedAt = Date.now();
    let events = 0;
    // The server ends the watch after timeoutSeconds (spread so kinds do not reconnect together); the local
    // timer catches a connection that died silently.
    const timeoutSeconds = 240 + Math.floor(Math.random() * 120);
    const handle = this.api.watch(
      this.resource.path,
      {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(timeoutSeconds),
        fieldSelector: this.resource.fieldSelector,
      },
      (type, object) => {
        events++;
        this.apply(type, object);
      },
    );
    this.watchHandle = handle;
    const watchdog = setTimeout(() => handle.abort(), (timeoutSeconds + 60) * 1000);
    try {
      await handle.done;
    } finally {
      clearTimeout(watchdog);
      this.watchHandle = undefined;
    }
    if (events > 0 || Date.now() - startedAt >= HEALTHY_WATCH_MS) this.backoff.reset();
    else if (!this.stopped && this.resourceVersion !== undefined) {
      // Ended at once with nothing said: do not spin on a server that closes every watch.
      await sleep(this.backoff.next(), this.stopSignal.signal);
    }
  }

  private apply(type: WatchEventType, object: KubeObject): void {
    const rv = object?.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    if (!object?.metadata?.name) return;
    const o = this.withKind(object);
    const key = objectKey(o);
    const previous = this.store.get(key);
    if (type === 'DELETED') this.store.delete(key);
    else this.store.set(key, o);
    if (rv) this.resourceVersion = rv;
    const statusKind = STATUS_WRITTEN_KINDS.has(this.resource.kind);
    if (type === 'MODIFIED' && previous && statusKind && onlyStatusChanged(previous, o)) {
      this.listener.statusChanged(this.resource);
    } else {
      this.listener.changed(this.resource);
    }
    if (statusKind) this.listener.statusTargetChanged(this.resource, o, type === 'DELETED');
  }
}

/** The kinds whose status this controller writes; other kinds' status (a Service's load balancer) is routing input. */
const STATUS_WRITTEN_KINDS: ReadonlySet<string> = new Set(['GatewayClass', 'Gateway', 'HTTPRoute']);

/**
 * True when a MODIFIED event changed nothing but status: the API server bumps metadata.generation on every
 * spec change of the Gateway API kinds, so an equal generation with equal labels and annotations means a
 * status write. Objects without a generation (core kinds) always count as changed.
 */
export function onlyStatusChanged(before: KubeObject, after: KubeObject): boolean {
  const a = before.metadata;
  const b = after.metadata;
  return (
    a.generation !== undefined &&
    a.generation === b.generation &&
    JSON.stringify(a.labels ?? {}) === JSON.stringify(b.labels ?? {}) &&
    JSON.stringify(a.annotations ?? {}) === JSON.stringify(b.annotations ?? {})
  );
}
