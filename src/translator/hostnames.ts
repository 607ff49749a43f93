/**
 * Hostname logic of the Gateway API: exact names and `*.suffix` wildcards (a wildcard matches one or more
 * labels on its left; it never matches the bare suffix). An absent hostname matches everything.
 */

export function isWildcard(hostname: string): boolean {
  return hostname.startsWith('*.');
}

/** True when every name matched by `inner` is also matched by `outer` (undefined = any host). */
export function covers(outer: string | undefined, inner: string | undefined): boolean {
  if (outer === undefined) return true;
  if (inner === undefined) return false;
  if (!isWildcard(outer)) return inner === outer;
  return inner.endsWith(outer.slice(1)) || inner === outer;
}

/**
 * The hostnames a route serves on a listener: route hostnames x listener hostname, per spec.
 * Returns undefined-free list; `*` stands for "every host" (listener and route both without hostnames).
 */
export function intersectHostnames(listenerHostname: string | undefined, routeHostnames: readonly string[]): string[] {
  if (routeHostnames.length === 0) return [listenerHostname ?? '*'];
  const out = new Set<string>();
  for (const r of routeHostnames) {
    if (covers(listenerHostname, r)) out.add(r);
    else if (covers(r, listenerHostname)) out.add(listenerHostname!);
  }
  return [...out].sort();
}

/**
 * Specificity rank for listener isolation: exact > wildcard with more labels > fewer > no hostname.
 * Larger is more specific.
 */
export function specificity(hostname: string | undefined): number {
  if (hostname === undefined) return 0;
  const labels = hostname.split('.').length;
  return isWildcard(hostname) ? labels : 1000 + labels;
}

/** Two listener hostnames overlap when some host name matches both. */
export function overlaps(a: string | undefined, b: string | undefined): boolean {
  return covers(a, b) || covers(b, a);
}
