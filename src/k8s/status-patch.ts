/**
 * Pure helpers of the status writer: when does an object need a write, and what merge patch makes its
 * status the desired one. Conditions compare without lastTransitionTime (a re-stamped but otherwise equal
 * condition is not a change worth a write).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../contract/config-version.js';
import { withoutTransitionTimes } from '../translator/translation.service.js';

/**
 * A status as a comparison key: a digest of its canonical JSON without transition times. Remembered
 * per status object (the translator hands back the same desired-status objects while nothing changed
 * and the informer replaces an object when it changes), so a pass over thousands of statuses costs
 * lookups, not serializations; a digest, because thousands of full JSON keys are megabytes.
 */
const canons = new WeakMap<object, string>();

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

/**
 * Merge patch of the status subresource: the desired status, keys it drops set to null (a merge patch
 * otherwise keeps them), guarded by the resourceVersion we diffed against.
 */
export function statusMergePatch(current: Record<string, unknown> | undefined, desired: Record<string, unknown>, resourceVersion: string | undefined): Record<string, unknown> {
  const status: Record<string, unknown> = { ...desired };
  for (const key of Object.keys(current ?? {})) if (!(key in desired)) status[key] = null;
  return { ...(resourceVersion ? { metadata: { resourceVersion } } : {}), status };
}
