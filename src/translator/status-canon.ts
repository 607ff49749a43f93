/**
 * When two statuses say the same: conditions compare without lastTransitionTime (a re-stamped but
 * otherwise equal condition is no change). One definition for the translator (did anything change?),
 * the status writer (does the object need a write?) and the standalone status log.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../contract/config-version.js';
import type { ObjectStatus } from './translator.types.js';

/**
 * Status digests remembered per status object (an identity cache, docs/ARCHITECTURE.md): the translator
 * hands back the same desired-status objects while nothing changed and the informer replaces an object
 * when it changes, so a pass over thousands of statuses costs lookups, not serializations. Correct only
 * because neither edits a status in place (SERVAL_FREEZE_INPUTS freezes them in tests). One per process
 * (STATUS_CANONS), deliberately shared: the status writer and the status log compare the very status
 * objects whose digests the translator made.
 */
export class StatusCanonCache {
  readonly canons = new WeakMap<object, string>();
}

/** The process's StatusCanonCache, owned by this module (statusCanon is its only user). */
export const STATUS_CANONS = new StatusCanonCache();
const canons = STATUS_CANONS.canons;

/** A status as a comparison key: a digest of its canonical JSON without transition times (a digest, because thousands of full JSON keys are megabytes). */
export function statusCanon(status: unknown): string {
  if (typeof status !== 'object' || status === null) return digest(status ?? {});
  let canon = canons.get(status);
  if (canon === undefined) {
    canon = digest(status);
    canons.set(status, canon);
  }
  return canon;
}

function digest(status: unknown): string {
  return createHash('sha256').update(canonicalJson(withoutTransitionTimes(status))).digest('base64');
}

function withoutTransitionTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTransitionTimes);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'lastTransitionTime').map(([k, v]) => [k, withoutTransitionTimes(v)]));
  }
  return value;
}

/** Whether two status lists say the same, item by item; statuses the memo carried over are the same objects, so this is cheap. */
export function sameStatuses(a: readonly ObjectStatus[], b: readonly ObjectStatus[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (x.kind !== y.kind || x.namespace !== y.namespace || x.name !== y.name || statusCanon(x.status) !== statusCanon(y.status)) return false;
  }
  return true;
}
