/**
 * Hostname -> value lookup with Gateway API hostname semantics, in O(labels of the request host):
 * exact names first, then `*.suffix` wildcards from the longest suffix down, then the catch-all.
 * A wildcard matches one or more labels (`*.example.com` matches `a.example.com` and `a.b.example.com`,
 * not `example.com`). `find` visits every matching entry in that order (most specific first).
 */
export class HostIndex<T> {
  private readonly exact = new Map<string, T>();
  /** Keyed by the suffix with its leading dot: `*.example.com` -> `.example.com`. */
  private readonly wildcard = new Map<string, T>();
  private catchAll: T | undefined;

  /** First registration of a name wins (document order decides between duplicates). */
  add(hostname: string, value: T): void {
    this.addNormalized(normalizeConfiguredHost(hostname), value);
  }

  /** add() for a name already through normalizeConfiguredHost. */
  addNormalized(name: string, value: T): void {
    if (name === '' || name === '*') {
      if (this.catchAll === undefined) this.catchAll = value;
    } else if (name.startsWith('*.')) {
      const suffix = name.slice(1);
      if (!this.wildcard.has(suffix)) this.wildcard.set(suffix, value);
    } else if (!this.exact.has(name)) {
      this.exact.set(name, value);
    }
  }

  /** `host` must already be normalized (lower case, no port, no trailing dot): see normalizeRequestHost. */
  lookup(host: string): T | undefined {
    const exact = this.exact.get(host);
    if (exact !== undefined) return exact;
    if (this.wildcard.size !== 0) {
      // Walk the label boundaries left to right: the first hit is the longest suffix.
      let dot = host.indexOf('.');
      while (dot !== -1) {
        const hit = this.wildcard.get(host.slice(dot));
        if (hit !== undefined) return hit;
        dot = host.indexOf('.', dot + 1);
      }
    }
    return this.catchAll;
  }

  /**
   * The first non-undefined `probe(value, arg)` over the entries matching `host`, most specific first.
   * `probe` is a plain function and `arg` its per-call context, so callers need no closure per call.
   */
  find<A, R>(host: string, probe: (value: T, arg: A) => R | undefined, arg: A): R | undefined {
    const exact = this.exact.get(host);
    if (exact !== undefined) {
      const hit = probe(exact, arg);
      if (hit !== undefined) return hit;
    }
    if (this.wildcard.size !== 0) {
      let dot = host.indexOf('.');
      while (dot !== -1) {
        const value = this.wildcard.get(host.slice(dot));
        if (value !== undefined) {
          const hit = probe(value, arg);
          if (hit !== undefined) return hit;
        }
        dot = host.indexOf('.', dot + 1);
      }
    }
    return this.catchAll === undefined ? undefined : probe(this.catchAll, arg);
  }

  get size(): number {
    return this.exact.size + this.wildcard.size + (this.catchAll === undefined ? 0 : 1);
  }
}

export function normalizeConfiguredHost(hostname: string): string {
  const lower = hostname.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Host header -> lookup key: lower case, port stripped (IPv6 literals keep their brackets), no trailing dot. */
export function normalizeRequestHost(header: string | undefined): string {
  if (header === undefined || header.length === 0) return '';
  let host = header;
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']');
    host = close === -1 ? host : host.slice(0, close + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) host = host.slice(0, colon);
  }
  if (host.charCodeAt(host.length - 1) === 46 /* . */) host = host.slice(0, -1);
  return host.toLowerCase();
}
