/**
 * Merge patch of the status subresource (whether an object needs one is statusCanon's call, shared
 * with the translator): the desired status, keys it drops set to null (a merge patch
 * otherwise keeps them), guarded by the resourceVersion we diffed against.
 */
export function statusMergePatch(current: unknown, desired: Record<string, unknown>, resourceVersion: string | undefined): Record<string, unknown> {
  const status: Record<string, unknown> = { ...desired };
  for (const key of Object.keys(typeof current === 'object' && current !== null ? current : {})) if (!(key in desired)) status[key] = null;
  return { ...(resourceVersion ? { metadata: { resourceVersion } } : {}), status };
}
