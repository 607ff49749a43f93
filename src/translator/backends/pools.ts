/**
 * The config's pools, kept from one translation to the next: a pool is built again only when it comes
 * into use or when its Service or one of that Service's EndpointSlices changed, so an EndpointSlice
 * change (every rollout, every scale) costs the pools of one Service. A rebuilt pool equal to the one
 * before is the one before (the object), which lets hashing, diffing and the router skip it.
 */
import { pieceHash } from '../../contract/config-version.js';
import { lowerBound } from '../../contract/config-delta.js';
import type { PoolConfig } from '../../contract/router-config.schema.js';
import type { ObjectChange } from '../input-changes.js';
import { compareStrings } from '../objects.js';
import type { EndpointSlice, Service } from '../translator.types.js';
import { endpointsFor, SERVICE_NAME_LABEL } from './endpoints.js';

/** The Service (`namespace/name`) a slice belongs to, by its label. */
function serviceOfSlice(slice: EndpointSlice): string | undefined {
  const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return service ? `${slice.metadata.namespace ?? 'default'}/${service}` : undefined;
}

/** Pool names are `<namespace>/<service>:<port>`. */
function serviceOfPool(pool: string): string {
  return pool.slice(0, pool.lastIndexOf(':'));
}

const byName = (a: { name: string }, b: { name: string }): number => compareStrings(a.name, b.name);

/** Above this many edits the list is sorted afresh instead of edited by binary search. */
const EDITED_CHANGES = 64;

export class PoolCache {
  /** EndpointSlices by Service key, then by slice key. */
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();
  /** The pools in use, by name, and their names by Service. */
  private readonly built = new Map<string, PoolConfig>();
  private readonly byService = new Map<string, Set<string>>();
  /** The last list handed out, sorted by name (a config holds it: never edited, copied). */
  private list: PoolConfig[] = [];

  /** Takes EndpointSlice changes; adds the Services whose slices changed to `dirty`. */
  slicesChanged(changes: readonly ObjectChange<EndpointSlice>[], dirty: Set<string>): void {
    for (const { key, before, after } of changes) {
      const was = before && serviceOfSlice(before);
      if (was) {
        const slices = this.slices.get(was);
        slices?.delete(key);
        if (slices?.size === 0) this.slices.delete(was);
        dirty.add(was);
      }
      const now = after && serviceOfSlice(after);
      if (now) {
        let slices = this.slices.get(now);
        if (!slices) this.slices.set(now, (slices = new Map()));
        slices.set(key, after);
        dirty.add(now);
      }
    }
  }

  /**
   * The pools in use, sorted by name (the same array when none changed). `touched`: pool names that
   * came into or went out of use since the last call (`all`: and every pool in use before, for a
   * placement started afresh); `inUse` says which are in use now; `dirty`: Services whose object or
   * slices changed since the last call.
   */
  pools(
    touched: Iterable<string>,
    all: boolean,
    inUse: (pool: string) => boolean,
    dirty: ReadonlySet<string>,
    services: ReadonlyMap<string, Service>,
  ): PoolConfig[] {
    const check = new Set(touched);
    if (all) for (const name of this.built.keys()) check.add(name);
    for (const service of dirty) for (const name of this.byService.get(service) ?? []) check.add(name);
    const upserts: PoolConfig[] = [];
    const removed: string[] = [];
    for (const name of check) {
      const previous = this.built.get(name);
      if (!inUse(name)) {
        if (previous) {
          this.forget(name);
          removed.push(name);
        }
        continue;
      }
      if (previous && !dirty.has(serviceOfPool(name))) continue;
      const pool = this.build(name, services);
      const kept = previous && pieceHash(previous) === pieceHash(pool) ? previous : pool;
      if (kept === previous) continue;
      this.built.set(name, kept);
      if (!previous) {
        const key = serviceOfPool(name);
        let names = this.byService.get(key);
        if (!names) this.byService.set(key, (names = new Set()));
        names.add(name);
      }
      upserts.push(kept);
    }
    if (upserts.length + removed.length === 0) return this.list;
    if (upserts.length + removed.length > EDITED_CHANGES) this.list = [...this.built.values()].sort(byName);
    else {
      const list = this.list.slice();
      for (const name of removed) {
        const at = lowerBound<{ name: string }>(list, { name }, byName);
        if (list[at]?.name === name) list.splice(at, 1);
      }
      for (const pool of upserts) {
        const at = lowerBound(list, pool, byName);
        if (list[at]?.name === pool.name) list[at] = pool;
        else list.splice(at, 0, pool);
      }
      this.list = list;
    }
    return this.list;
  }

  private forget(name: string): void {
    this.built.delete(name);
    const key = serviceOfPool(name);
    const names = this.byService.get(key);
    names?.delete(name);
    if (names?.size === 0) this.byService.delete(key);
  }

  private build(name: string, services: ReadonlyMap<string, Service>): PoolConfig {
    const key = serviceOfPool(name);
    const port = Number(name.slice(name.lastIndexOf(':') + 1));
    const servicePort = (services.get(key)?.spec?.ports ?? []).find((p) => p.port === port);
    // A pool is in use only while a route resolved it against this Service and port: both exist.
    const slices = this.slices.get(key);
    return { name, endpoints: servicePort && slices ? endpointsFor([...slices.values()], servicePort) : [] };
  }
}
