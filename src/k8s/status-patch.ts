/**
 * Pure helpers of the status writer: when does an object need a write, and what merge patch makes its
 * status the desired one. Conditions compare without lastTransitionTime (a re-stamped but otherwise equal
 * condition is not a change worth a write).
 */
import { canonicalJson } from '../contract/config-version.js';
import { withoutTransitionTimes } from '../translator/translation.service.js';

export function statusCanon(status: unknown): string {
  return canonicalJson(withoutTransitionTimes(status ?? {}));
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
