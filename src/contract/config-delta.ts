/**
 * Config deltas: what changed between two versions of a router config, as whole virtual hosts and
 * pools replaced or removed by name (and the listener list when it changed). The control plane diffs
 * the config it translated against the one a router holds; the router applies the delta to its own
 * copy. Pieces that did not change stay the same objects, so hashing, validating and compiling the
 * result costs only what changed.
 *
 * Both functions are pure. A name that is new to a list is inserted at its sorted position (the
 * control plane's documents are sorted by name); whatever the order, the receiver verifies that the
 * result hashes to the delta's version.
 */
import { listenerHeader, pieceHash, canonicalJson } from './config-version.js';
import type { ConfigDelta, ListenerConfig, PoolConfig, RouterConfig, VirtualHostConfig } from './router-config.schema.js';

/** A delta that cannot be applied to the document it was sent for (the sender should send it whole). */
export class ConfigDeltaMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigDeltaMismatchError';
  }
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Lists known to be sorted by name with no name twice: an identity cache (docs/ARCHITECTURE.md), right
 * only because lists are never edited once built or received. One per process, owned by this module:
 * sortedness is a property of the list, whoever asks.
 */
export const SORTED_LISTS = new WeakSet<readonly { name: string }[]>();
const sortedLists = SORTED_LISTS;

function sortedByName(items: readonly { name: string }[]): boolean {
  if (sortedLists.has(items)) return true;
  for (let i = 1; i < items.length; i++) if (!(items[i - 1]!.name < items[i]!.name)) return false;
  sortedLists.add(items);
  return true;
}

/** Index of the first item not less than `item` (binary search over a sorted array). */
export function lowerBound<T>(items: readonly T[], item: T, compare: (a: T, b: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(items[mid]!, item) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index whose item's name is not below `name` (`items` sorted by name). */
const lowerBoundByName = (items: readonly { name: string }[], name: string): number => lowerBound(items, { name }, byName);

/** Above this many changes a merge walks the whole list instead of searching it for each. */
const SEARCHED_CHANGES = 64;

/** `items` with `upserts` replacing same-named items in place, new names merged in sorted, `removed` dropped. */
function mergeByName<T extends { name: string }>(items: readonly T[], upserts: readonly T[], removed: ReadonlySet<string>): T[] {
  // The control plane's lists are sorted by name: then each change is a binary search, not a walk over
  // thousands of names (the result is sorted too, and remembered as such).
  if (upserts.length + removed.size <= SEARCHED_CHANGES && sortedByName(items)) {
    const out = items.slice();
    for (const name of removed) {
      const at = lowerBoundByName(out, name);
      if (out[at]?.name === name) out.splice(at, 1);
    }
    for (const u of upserts) {
      const at = lowerBoundByName(out, u.name);
      if (out[at]?.name === u.name) out[at] = u;
      else out.splice(at, 0, u);
    }
    // Still strictly sorted: replacements keep their names, insertions go where their names belong
    // (a name upserted twice is inserted, then replaced: the last wins, as in the walk below).
    sortedLists.add(out);
    return out;
  }
  const replacements = new Map(upserts.map((u) => [u.name, u]));
  const kept: T[] = [];
  for (const item of items) {
    if (removed.has(item.name)) continue;
    const replacement = replacements.get(item.name);
    if (replacement) replacements.delete(item.name);
    kept.push(replacement ?? item);
  }
  if (replacements.size === 0) return kept;
  const added = [...replacements.values()].sort(byName);
  const out: T[] = [];
  let a = 0;
  for (const item of kept) {
    while (a < added.length && byName(added[a]!, item) < 0) out.push(added[a++]!);
    out.push(item);
  }
  while (a < added.length) out.push(added[a++]!);
  return out;
}

function groupByListener<T>(entries: readonly T[] | undefined, listenerOf: (e: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const e of entries ?? []) {
    const list = out.get(listenerOf(e));
    if (list) list.push(e);
    else out.set(listenerOf(e), [e]);
  }
  return out;
}

function rejectDuplicates(names: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new ConfigDeltaMismatchError(`${what} "${n}" appears twice in the delta`);
    seen.add(n);
  }
}

/**
 * The document `delta` describes, built on `base` (which must be at delta.baseVersion). Throws
 * ConfigDeltaMismatchError when the delta names a listener the result does not have. The result
 * carries delta.version; call configVersion() on it to check that claim.
 */
export function applyConfigDelta(base: RouterConfig, delta: ConfigDelta): RouterConfig {
  if (base.version !== delta.baseVersion) {
    throw new ConfigDeltaMismatchError(`delta is based on version ${delta.baseVersion}, the live config is ${base.version ?? 'unversioned'}`);
  }
  const upserts = groupByListener(delta.virtualHosts, (e) => e.listener);
  const removals = groupByListener(delta.removedVirtualHosts, (e) => e.listener);
  const oldListeners = new Map(base.listeners.map((l) => [l.name, l]));
  const headers = delta.listeners ?? base.listeners.map(listenerHeader);
  const names = new Set(headers.map((h) => h.name));
  for (const name of [...upserts.keys(), ...removals.keys()]) {
    if (!names.has(name)) throw new ConfigDeltaMismatchError(`delta changes virtual hosts of listener "${name}", which the config does not have`);
  }
  const listeners: ListenerConfig[] = headers.map((header) => {
    const old = oldListeners.get(header.name);
    const ups = upserts.get(header.name)?.map((e) => e.virtualHost) ?? [];
    const rms = removals.get(header.name)?.map((e) => e.name) ?? [];
    if (old && !delta.listeners && ups.length === 0 && rms.length === 0) return old;
    rejectDuplicates(ups.map((v) => v.name), 'virtual host');
    const virtualHosts = ups.length || rms.length ? mergeByName(old?.virtualHosts ?? [], ups, new Set(rms)) : (old?.virtualHosts ?? []);
    return { ...header, virtualHosts };
  });
  let pools = base.pools;
  if (delta.pools?.length || delta.removedPools?.length) {
    rejectDuplicates((delta.pools ?? []).map((p) => p.name), 'pool');
    pools = mergeByName(base.pools, delta.pools ?? [], new Set(delta.removedPools));
  }
  return { version: delta.version, listeners, pools };
}

/**
 * Upserted and removed items of one named list (identity first, content hash when objects differ).
 * The runs of identical objects at both ends are skipped without a lookup: one change among
 * thousands leaves all but a few items where they were.
 */
function diffByName<T extends { name: string }>(before: readonly T[], after: readonly T[]): { upserts: T[]; removed: string[] } {
  const { start, endBefore, endAfter } = changedStretch(before, after);
  const old = new Map<string, T>();
  for (let i = start; i < endBefore; i++) old.set(before[i]!.name, before[i]!);
  const upserts: T[] = [];
  for (let i = start; i < endAfter; i++) {
    const item = after[i]!;
    const previous = old.get(item.name);
    old.delete(item.name);
    if (previous === item || (previous !== undefined && pieceHash(previous) === pieceHash(item))) continue;
    upserts.push(item);
  }
  return { upserts, removed: [...old.keys()] };
}

/**
 * Where two lists differ: the stretch between the runs of identical items (by identity) at both ends,
 * as [start, endBefore) of `before` and [start, endAfter) of `after`. Unchanged documents keep their
 * pieces as the same objects, so one change among thousands leaves a stretch of a few items.
 */
export function changedStretch<T>(before: readonly T[], after: readonly T[]): { start: number; endBefore: number; endAfter: number } {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore--;
    endAfter--;
  }
  return { start, endBefore, endAfter };
}

/** Same length and the same items, by identity: the translator's and the router compiler's reuse checks. */
export function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Same items in the same order: the same objects, or equal content. */
function samePieces(a: readonly object[], b: readonly object[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && pieceHash(a[i]!) !== pieceHash(b[i]!)) return false;
  return true;
}

function sameListenerHeaders(a: readonly ListenerConfig[], b: readonly ListenerConfig[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((l, i) => l === b[i] || canonicalJson(listenerHeader(l)) === canonicalJson(listenerHeader(b[i]!)));
}

/**
 * The delta that turns `before` into `after` (both versioned), or undefined when there is none that
 * reproduces `after` exactly (then send the whole document). Cheap when `after` reuses `before`'s
 * unchanged virtual hosts and pools as the same objects, as the translator's output does.
 */
export function diffConfigs(before: RouterConfig, after: RouterConfig): ConfigDelta | undefined {
  if (!before.version || !after.version) return undefined;
  const delta: ConfigDelta = { baseVersion: before.version, version: after.version };
  if (!sameListenerHeaders(before.listeners, after.listeners)) delta.listeners = after.listeners.map(listenerHeader);
  const oldListeners = new Map(before.listeners.map((l) => [l.name, l]));
  const virtualHosts: NonNullable<ConfigDelta['virtualHosts']> = [];
  const removedVirtualHosts: NonNullable<ConfigDelta['removedVirtualHosts']> = [];
  for (const l of after.listeners) {
    const old: readonly VirtualHostConfig[] = oldListeners.get(l.name)?.virtualHosts ?? [];
    if (old === l.virtualHosts) continue;
    const { upserts, removed } = diffByName(old, l.virtualHosts);
    for (const v of upserts) virtualHosts.push({ listener: l.name, virtualHost: v });
    for (const name of removed) removedVirtualHosts.push({ listener: l.name, name });
  }
  if (virtualHosts.length) delta.virtualHosts = virtualHosts;
  if (removedVirtualHosts.length) delta.removedVirtualHosts = removedVirtualHosts;
  const pools = diffByName<PoolConfig>(before.pools, after.pools);
  if (pools.upserts.length) delta.pools = pools.upserts;
  if (pools.removed.length) delta.removedPools = pools.removed;
  // The receiver merges new names in sorted order; make sure that reproduces `after` exactly (what
  // the receiver's version check will find, without hashing the whole result).
  const applied = applyConfigDelta(before, delta);
  const same =
    sameListenerHeaders(applied.listeners, after.listeners) &&
    applied.listeners.every((l, i) => samePieces(l.virtualHosts, after.listeners[i]!.virtualHosts)) &&
    samePieces(applied.pools, after.pools);
  return same ? delta : undefined;
}

/** How big a delta is, for logs and metrics. */
export function deltaSize(delta: ConfigDelta): number {
  return (delta.virtualHosts?.length ?? 0) + (delta.removedVirtualHosts?.length ?? 0) + (delta.pools?.length ?? 0) + (delta.removedPools?.length ?? 0) + (delta.listeners ? 1 : 0);
}
