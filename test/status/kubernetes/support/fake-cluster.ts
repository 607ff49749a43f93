/**
 * A fake of the one Kubernetes call the status writer makes (StatusApi.patchStatus) over an in-memory
 * API server: merge patches guarded by resourceVersion (409 when stale, 404 when gone), a watch that
 * echoes every change later and in order (STATUS_OBJECT_CHANGED, as the provider emits it), other
 * writers that change objects behind the writer's back, and failures on demand. The real API server is
 * exercised by test/k8s; this one exists to run the writer's logic through thousands of races quickly.
 */
import { KubeApiError } from '../../../../src/providers/kubernetes/kube-api.js';
import type { StatusKind, StatusObjectChangedEvent } from '../../../../src/pipeline/pipeline.events.js';
import type { StatusApi } from '../../../../src/status/kubernetes/status-api.js';
import type { KubeObject } from '../../../../src/translator/translator.types.js';

/** Seeded PRNG (mulberry32): a failing seed replays exactly. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export const refKey = (kind: string, namespace: string | undefined, name: string): string => `${kind}/${namespace ?? ''}/${name}`;

export interface FakeClusterOptions {
  random: () => number;
  /** Deliver a watch event (what the provider turns into STATUS_OBJECT_CHANGED). */
  deliver: (event: StatusObjectChangedEvent) => void;
  /** Share of patches that meet a newer version written by someone else just before them (-> 409). */
  raceRate?: number;
  /** Share of patches that fail with a 500. */
  errorRate?: number;
  /** Longest watch delay in ms. */
  maxEchoMs?: number;
  /** What the server makes of a status it stores (defaults, dropped fields); the identity by default. */
  normalize?: (status: Record<string, unknown>) => Record<string, unknown>;
}

export class FakeCluster implements StatusApi {
  readonly objects = new Map<string, KubeObject>();
  patches = 0;
  conflicts = 0;
  private rv = 1;
  private readonly echoes: StatusObjectChangedEvent[] = [];
  private echoTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: FakeClusterOptions) {}

  create(kind: StatusKind, namespace: string | undefined, name: string): KubeObject {
    const o: KubeObject = { kind, metadata: { name, ...(namespace ? { namespace } : {}), generation: 1, resourceVersion: String(this.rv++) }, spec: {}, status: {} };
    this.objects.set(refKey(kind, namespace, name), o);
    this.echo({ kind, ref: { namespace, name }, object: o });
    return o;
  }

  /** Someone else writes the object (another controller's status, a label): a new resourceVersion. */
  otherWriter(o: KubeObject, status?: Record<string, unknown>): KubeObject {
    const key = refKey(o.kind!, o.metadata.namespace, o.metadata.name);
    const current = this.objects.get(key)!;
    const next: KubeObject = { ...current, metadata: { ...current.metadata, resourceVersion: String(this.rv++) }, status: status ?? current.status };
    this.objects.set(key, next);
    this.echo({ kind: o.kind as StatusKind, ref: { namespace: o.metadata.namespace, name: o.metadata.name }, object: next });
    return next;
  }

  /** A re-list of one kind (the watch expired): every object of the kind at once. */
  relist(kind: StatusKind): void {
    this.echo({ kind, objects: [...this.objects.values()].filter((o) => o.kind === kind) });
  }

  async patchStatus(kind: StatusKind, namespace: string | undefined, name: string, patch: Record<string, unknown>): Promise<{ status?: unknown }> {
    this.patches++;
    await new Promise((r) => setTimeout(r, Math.floor(this.options.random() * 3)));
    const key = refKey(kind, namespace, name);
    let current = this.objects.get(key);
    if (!current) throw new KubeApiError(404, 'NotFound', `${key} not found`);
    if (this.options.random() < (this.options.errorRate ?? 0)) throw new KubeApiError(500, 'InternalError', 'etcd timed out');
    if (this.options.random() < (this.options.raceRate ?? 0)) current = this.otherWriter(current);
    const guard = (patch.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (guard !== undefined && guard !== current.metadata.resourceVersion) {
      this.conflicts++;
      throw new KubeApiError(409, 'Conflict', `${key}: the object has been modified`);
    }
    const merged = mergePatch(current.status, patch.status) as Record<string, unknown>;
    const status = this.options.normalize ? this.options.normalize(merged) : merged;
    const next: KubeObject = { ...current, metadata: { ...current.metadata, resourceVersion: String(this.rv++) }, status };
    this.objects.set(key, next);
    this.echo({ kind, ref: { namespace, name }, object: next });
    return { status: structuredClone(status) };
  }

  /** Watch events arrive in order, each after a random delay. */
  private echo(event: StatusObjectChangedEvent): void {
    this.echoes.push(event);
    this.scheduleEcho();
  }

  private scheduleEcho(): void {
    if (this.echoTimer !== undefined || this.echoes.length === 0) return;
    this.echoTimer = setTimeout(() => {
      this.echoTimer = undefined;
      const n = 1 + Math.floor(this.options.random() * this.echoes.length);
      for (const e of this.echoes.splice(0, n)) this.options.deliver(e);
      this.scheduleEcho();
    }, Math.floor(this.options.random() * (this.options.maxEchoMs ?? 20)));
  }

  /** True once every watch event went out. */
  get quiet(): boolean {
    return this.echoes.length === 0;
  }
}
