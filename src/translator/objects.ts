/** Small helpers over Kubernetes wire objects shared by the translator's stages. */
import { changedStretch } from '../contract/config-delta.js';
import type { KubeObject } from './translator.types.js';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const CORE_GROUP = '';

export type Generation = number | undefined;

/** `namespace/name` (cluster-scoped objects: just the name). */
export function objectKey(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}

export function namespaceOf(obj: KubeObject): string {
  return obj.metadata.namespace ?? 'default';
}

/** Plain code-unit comparison: locale-independent, so output never depends on the machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byKey(a: KubeObject, b: KubeObject): number {
  return compareStrings(objectKey(a), objectKey(b));
}

/**
 * Gateway API tie-break between routes: oldest first, then namespace/name alphabetical. Objects without
 * a timestamp (files) sort after those with one.
 */
export interface RouteOrder {
  time: number;
  key: string;
}

export function routeOrder(obj: KubeObject): RouteOrder {
  const t = obj.metadata.creationTimestamp ? Date.parse(obj.metadata.creationTimestamp) : NaN;
  return { time: Number.isNaN(t) ? Infinity : t, key: objectKey(obj) };
}

export function compareRouteOrder(a: RouteOrder, b: RouteOrder): number {
  return (a.time === b.time ? 0 : a.time < b.time ? -1 : 1) || compareStrings(a.key, b.key);
}

/**
 * What changed from `before` to `after`, two lists of distinct items compared by identity. The runs
 * of identical items at both ends are skipped without a lookup: a few changes among thousands cost a
 * few set operations, not sets of thousands.
 */
export function listChanges<T>(before: readonly T[], after: readonly T[]): { added: T[]; removed: T[] } {
  const { start, endBefore, endAfter } = changedStretch(before, after);
  const was = new Set(before.slice(start, endBefore));
  const now = new Set(after.slice(start, endAfter));
  return { added: [...now].filter((x) => !was.has(x)), removed: [...was].filter((x) => !now.has(x)) };
}

export function sorted<T>(items: readonly T[], compare: (a: T, b: T) => number): T[] {
  return [...items].sort(compare);
}

/** Index objects by namespace/name. */
export function indexByKey<T extends KubeObject>(objects: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const obj of sorted(objects, byKey)) map.set(objectKey(obj), obj);
  return map;
}
