/**
 * Hostname -> value lookup with Gateway API hostname semantics, in O(labels of the request host):
 * exact names first, then `*.suffix` wildcards from the longest suffix down, then the catch-all.
 * A wildcard matches one or more labels (`*.example.com` matches `a.example.com` and `a.b.example.com`,
 * not `example.com`). `find` visits every matching entry in that order (most specific first).
 */
/** An overlay entry for a name that the base index has and this version does not. */
const GONE: unique symbol = Symbol('gone');
type Over<T> = T | typeof GONE;

export class HostIndex<T> {
  private exact = new Map<string, T>();
  /** Keyed by the suffix with its leading dot: `*.example.com` -> `.example.com`. */
  private wildcard = new Map<string, T>();
  private catchAll: T | undefined;
  /**
   * Changes on top of `exact` and `wildcard`, which are then shared with the index this one was
   * edited from (see edited()): a config change costs its own hosts, not a copy of thousands.
   */
  private exactOver: Map<string, Over<T>> | undefined;
  private wildcardOver: Map<string, Over<T>> | undefined;
  /** No name was registered twice (so removing a host's names uncovers no other host). */
  private unique = true;

  /** First registration of a name wins (document order decides between duplicates). */
  add(hostname: string, value: T): void {
    this.addNormalized(normalizeConfiguredHost(hostname), value);
  }

  /** add() for a name already through normalizeConfiguredHost. */
  addNormalized(name: string, value: T): void {
    if (name === '' || name === '*') {
      if (this.catchAll === undefined) this.catchAll = value;
      else this.unique = false;
    } else if (name.startsWith('*.')) {
      const suffix = name.slice(1);
      if (!this.wildcard.has(suffix)) this.wildcard.set(suffix, value);
      else this.unique = false;
    } else if (!this.exact.has(name)) {
      this.exact.set(name, value);
    } else {
      this.unique = false;
    }
  }

  /**
   * This index with the (normalized) names of `removed` hosts taken out and those of `added` put in,
   * sharing this one's tables; undefined when that is not the same as building it afresh (a name held
   * twice, a removed name not held by its host) or the changes have piled up (build afresh, which
   * folds them in). This index stays as it is.
   */
  edited(removed: readonly (readonly [names: readonly string[], value: T])[], added: readonly (readonly [names: readonly string[], value: T])[]): HostIndex<T> | undefined {
    if (!this.unique) return undefined;
    const next = new HostIndex<T>();
    next.exact = this.exact;
    next.wildcard = this.wildcard;
    next.catchAll = this.catchAll;
    next.exactOver = this.exactOver ? new Map(this.exactOver) : new Map();
    next.wildcardOver = this.wildcardOver ? new Map(this.wildcardOver) : new Map();
    for (const [names, value] of removed) for (const name of names) if (!next.take(name, value)) return undefined;
    for (const [names, value] of added) for (const name of names) if (!next.put(name, value)) return undefined;
    if (next.exactOver.size + next.wildcardOver.size > Math.max(64, (this.exact.size + this.wildcard.size) >> 3)) return undefined;
    if (next.exactOver.size === 0) next.exactOver = undefined;
    if (next.wildcardOver.size === 0) next.wildcardOver = undefined;
    return next;
  }

  /** Takes `name` out if `value` holds it. */
  private take(name: string, value: T): boolean {
    if (this.valueOf(name) !== value) return false;
    this.setOver(name, GONE);
    return true;
  }

  /** Puts `name` in for `value` if nothing holds it. */
  private put(name: string, value: T): boolean {
    if (this.valueOf(name) !== undefined) return false;
    this.setOver(name, value);
    return true;
  }

  /** What a (normalized) configured name holds in this index: catch-all, wildcard or exact. */
  private valueOf(name: string): T | undefined {
    if (name === '' || name === '*') return this.catchAll;
    return name.startsWith('*.') ? this.getWildcard(name.slice(1)) : this.getExact(name);
  }

  /** Records a change of `name` on top of the shared tables (edited() made the overlays). */
  private setOver(name: string, value: Over<T>): void {
    if (name === '' || name === '*') this.catchAll = value === GONE ? undefined : value;
    else if (name.startsWith('*.')) this.wildcardOver!.set(name.slice(1), value);
    else this.exactOver!.set(name, value);
  }

  private getExact(name: string): T | undefined {
    return overlaid(this.exactOver, this.exact, name);
  }

  private getWildcard(suffix: string): T | undefined {
    return overlaid(this.wildcardOver, this.wildcard, suffix);
  }

  /** `host` must already be normalized (lower case, no port, no trailing dot): see normalizeRequestHost. */
  lookup(host: string): T | undefined {
    const exact = this.getExact(host);
    if (exact !== undefined) return exact;
    if (this.wildcard.size !== 0 || this.wildcardOver !== undefined) {
      // Walk the label boundaries left to right: the first hit is the longest suffix.
      let dot = host.indexOf('.');
      while (dot !== -1) {
        const hit = this.getWildcard(host.slice(dot));
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
    const exact = this.getExact(host);
    if (exact !== undefined) {
      const hit = probe(exact, arg);
      if (hit !== undefined) return hit;
    }
    if (this.wildcard.size !== 0 || this.wildcardOver !== undefined) {
      let dot = host.indexOf('.');
      while (dot !== -1) {
        const value = this.getWildcard(host.slice(dot));
        if (value !== undefined) {
          const hit = probe(value, arg);
          if (hit !== undefined) return hit;
        }
        dot = host.indexOf('.', dot + 1);
      }
    }
    return this.catchAll === undefined ? undefined : probe(this.catchAll, arg);
  }
}

/** `key` in `base` as changed by `over` (GONE: taken out). */
function overlaid<T>(over: Map<string, Over<T>> | undefined, base: Map<string, T>, key: string): T | undefined {
  if (over !== undefined) {
    const value = over.get(key);
    if (value !== undefined) return value === GONE ? undefined : value;
  }
  return base.get(key);
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

/** True when a raw header list names Host more than once (a length test first: most names are not 4 long). */
export function hasRepeatedHost(raw: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}
