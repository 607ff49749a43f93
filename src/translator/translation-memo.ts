/**
 * What one translation can reuse from the previous one, so a change to one HTTPRoute among thousands
 * costs about that route. The translation stays a pure function of its inputs: everything reused here
 * is looked up by the inputs it was computed from (object identity, uid+generation for a route's spec,
 * the serialized routing context, or the Services, grants and namespaces a route read, whose changes
 * mark it stale), and the output equals a fresh translation's, except that unchanged pieces of the
 * router config are the previous config's very objects (which lets hashing, validation, diffing and the
 * router's compiler skip them): virtual hosts come from a RouteAssembly kept for the routing context,
 * which rebuilds only the hosts whose routes changed, and pools from a PoolCache, which rebuilds only
 * the pools of Services whose object or EndpointSlices changed.
 */
import type { PoolConfig } from '../contract/router-config.schema.js';
import { grantRead, serviceRead } from './backends/backends.js';
import { PoolCache } from './backends/pools.js';
import type { TranslatedRoute } from './httproute/rules.js';
import { KindTracker } from './input-changes.js';
import { RouteAssembly, type Placed } from './route-assembly.js';
import { changedStretch, lowerBound } from '../contract/config-delta.js';
import { byKey, compareRouteOrder, indexByKey, listChanges, namespaceOf, objectKey, sorted } from './objects.js';
import type { EndpointSlice, KubeObject, Namespace, ObjectStatus, ReferenceGrant, ResourceSnapshot, Service } from './translator.types.js';

interface RulesEntry {
  spec: unknown;
  translated: TranslatedRoute;
  /** What the route's translation read besides the route (serviceRead, grantRead, namespaceRead). */
  reads: readonly string[];
  /** Something it read changed: the route's rules and outcome are computed again. */
  stale: boolean;
  /** The translation that last used it (entries of deleted routes are dropped). */
  seen: number;
}

/** A route's attachment reads its namespace's labels (allowedRoutes selectors). */
const namespaceRead = (namespace: string): string => `ns:${namespace}`;

/** The Services and namespaces as of this translation, by key (valid until the next one). */
export interface TrackedInputs {
  services: ReadonlyMap<string, Service>;
  namespaces: ReadonlyMap<string, Namespace>;
}

interface StatusEntry {
  translated: TranslatedRoute;
  parents: string;
  status: ObjectStatus | undefined;
}

/**
 * A route's whole contribution to one translation, valid while the route object and the routing
 * context (its epoch) stay the same: the listeners it attaches to are kept as indexes into the
 * translation's listener list, which the same context lays out the same way.
 */
export interface RouteOutcome extends Placed {
  epoch: number;
  rules: RulesEntry;
  /** Indexes of the listeners whose attachedRoutes count this route adds to. */
  attachedTo: number[];
  status: ObjectStatus | undefined;
}

/** A route's spec, as a token that changes when the spec does (status writes do not change it). */
function specToken(route: KubeObject): unknown {
  const { uid, generation } = route.metadata;
  return uid && generation !== undefined ? `${uid}/${generation}` : route;
}

export class TranslationMemo {
  private translation = 0;
  private readonly rules = new Map<string, RulesEntry>();
  private readonly statuses = new WeakMap<KubeObject, StatusEntry>();
  private readonly outcomes = new WeakMap<KubeObject, RouteOutcome>();
  /** Lists sorted by key and indexes by key, per list the provider handed in (kept while the kind is unchanged). */
  private readonly sortedLists = new WeakMap<readonly KubeObject[], readonly KubeObject[]>();
  private readonly indexes = new WeakMap<readonly KubeObject[], ReadonlyMap<string, KubeObject>>();
  private context = '';
  private epoch = 0;
  private assembly = new RouteAssembly();
  /** The assembly was made for a new context and holds no outcomes yet. */
  private assemblyEmpty = true;
  /** Inputs other than routes, kept by key and edited by what changed in their lists. */
  private readonly services = new KindTracker<Service>();
  private readonly namespaces = new KindTracker<Namespace>();
  private readonly grants = new KindTracker<ReferenceGrant>();
  private readonly slices = new KindTracker<EndpointSlice>();
  private readonly pools = new PoolCache();
  /** Services whose object or slices changed since the last pools were built. */
  private dirtyServices = new Set<string>();
  /** Namespaces changed in this translation (their routes are stale if a listener selects namespaces). */
  private changedNamespaces: string[] = [];
  /** Rules entries by what they read: a change to that input marks them stale. */
  private readonly readers = new Map<string, Set<RulesEntry>>();
  /** Entries marked stale in this translation (their routes' outcomes are looked for and redone). */
  private staleCount = 0;
  /** The assembly whose pool changes were last taken (another one: every pool is checked). */
  private poolsAssembly: RouteAssembly | undefined;
  /** The last translation's outcomes in route order. */
  private ordered: RouteOutcome[] = [];
  /** The last outcomesOf(): its routes, their outcomes (same order), the attachedRoutes per listener, the epoch. */
  private routesGiven: readonly KubeObject[] = [];
  private outcomesGiven: readonly RouteOutcome[] = [];
  private attached: number[] = [];
  private attachedEpoch = -1;
  /** Keys of the routes gone since the last translation, when known without a sweep. */
  private goneKeys: string[] | undefined;

  /** Starts a translation. */
  begin(): void {
    this.translation++;
    this.staleCount = 0;
  }

  /**
   * Takes the snapshot's Services, ReferenceGrants, EndpointSlices and Namespaces: only the objects
   * that changed are looked at, and the rules of routes that read one of them are marked stale
   * (Services by key, grants by the pair of namespaces they join). Call namespacesRead() once the
   * Gateways are known.
   */
  inputs(snapshot: ResourceSnapshot): TrackedInputs {
    for (const { key } of this.services.update(snapshot.services)) {
      this.invalidate(serviceRead(key));
      this.dirtyServices.add(key);
    }
    for (const { before, after } of this.grants.update(snapshot.referenceGrants)) {
      // What the grant allowed before and allows now: routes in its from-namespaces referring into its own.
      for (const grant of [before, after]) {
        if (!grant) continue;
        for (const from of grant.spec?.from ?? []) if (typeof from?.namespace === 'string') this.invalidate(grantRead(from.namespace, namespaceOf(grant)));
      }
    }
    this.pools.slicesChanged(this.slices.update(snapshot.endpointSlices), this.dirtyServices);
    this.changedNamespaces = this.namespaces.update(snapshot.namespaces).map((c) => c.key);
    return { services: this.services.index, namespaces: this.namespaces.index };
  }

  /** Namespace labels matter to routes only where a listener selects namespaces by label. */
  namespacesRead(selectorsInUse: boolean): void {
    if (selectorsInUse) for (const name of this.changedNamespaces) this.invalidate(namespaceRead(name));
  }

  private invalidate(read: string): void {
    for (const entry of this.readers.get(read) ?? []) {
      if (entry.stale) continue;
      entry.stale = true;
      this.staleCount++;
    }
  }

  private forgetReads(entry: RulesEntry): void {
    for (const read of entry.reads) {
      const entries = this.readers.get(read);
      entries?.delete(entry);
      if (entries?.size === 0) this.readers.delete(read);
    }
  }

  /** `objects` sorted by namespace/name; sorted again only when the provider hands in another list. */
  sortedByKey<T extends KubeObject>(objects: readonly T[]): readonly T[] {
    let out = this.sortedLists.get(objects);
    if (out === undefined) this.sortedLists.set(objects, (out = sorted(objects, byKey)));
    return out as readonly T[];
  }

  /** `objects` by namespace/name, built again only when the provider hands in another list. */
  indexByKey<T extends KubeObject>(objects: readonly T[]): ReadonlyMap<string, T> {
    let out = this.indexes.get(objects);
    if (out === undefined) this.indexes.set(objects, (out = indexByKey(objects)));
    return out as ReadonlyMap<string, T>;
  }

  /**
   * The epoch of a routing context: everything a route's attachment and placement read other than
   * the route itself, serialized (Gateways are few). A new context starts a new epoch.
   */
  contextEpoch(context: string): number {
    if (context !== this.context) {
      this.context = context;
      this.epoch++;
      this.assembly = new RouteAssembly(this.assembly);
      this.assemblyEmpty = true;
    }
    return this.epoch;
  }

  /** What the route contributed last time, if neither it nor the context changed since. */
  outcomeOf(route: KubeObject, epoch: number): RouteOutcome | undefined {
    const outcome = this.outcomes.get(route);
    if (outcome?.epoch !== epoch || outcome.rules.stale) return undefined;
    outcome.rules.seen = this.translation;
    return outcome;
  }

  remember(route: KubeObject, outcome: RouteOutcome): void {
    this.outcomes.set(route, outcome);
  }

  /**
   * Every route's outcome, in the order given, what they add to each listener's attachedRoutes
   * (`listenerCount` listeners, as `attachedTo` indexes them), and the outcomes added and removed since
   * the last call. Within one epoch only the stretch of `routes` that differs from the last call's list
   * is looked at (the provider keeps an unchanged object where it was): one new route among thousands
   * costs a walk over two arrays of pointers, not a lookup per route. `compute` makes (and remembers)
   * the outcome of a route that has none.
   */
  outcomesOf<R extends KubeObject>(
    routes: readonly R[],
    epoch: number,
    listenerCount: number,
    compute: (route: R) => RouteOutcome,
  ): { outcomes: readonly RouteOutcome[]; attached: readonly number[]; added: RouteOutcome[]; removed: RouteOutcome[] } {
    const outcomeOf = (route: R): RouteOutcome => this.outcomeOf(route, epoch) ?? compute(route);
    let outcomes: RouteOutcome[];
    let attached: number[];
    let changes: { added: RouteOutcome[]; removed: RouteOutcome[] };
    if (epoch !== this.attachedEpoch || this.attached.length !== listenerCount) {
      attached = new Array<number>(listenerCount).fill(0);
      outcomes = routes.map((route) => {
        const outcome = outcomeOf(route);
        for (const i of outcome.attachedTo) attached[i]!++;
        return outcome;
      });
      changes = listChanges(this.outcomesGiven, outcomes);
      this.goneKeys = undefined; // commit() sweeps: every route seen was marked
    } else {
      const { start, endBefore, endAfter } = changedStretch(this.routesGiven, routes);
      attached = this.attached.slice();
      for (let r = start; r < endBefore; r++) for (const i of this.outcomesGiven[r]!.attachedTo) attached[i]!--;
      const middle: RouteOutcome[] = [];
      for (let r = start; r < endAfter; r++) {
        const outcome = outcomeOf(routes[r]!);
        for (const i of outcome.attachedTo) attached[i]!++;
        middle.push(outcome);
      }
      outcomes = this.outcomesGiven.slice(0, start).concat(middle, this.outcomesGiven.slice(endBefore));
      changes = listChanges(this.outcomesGiven.slice(start, endBefore), middle);
      // Routes outside the stretch are where they were; of those in it, the keys no longer there are gone.
      const kept = new Set(routes.slice(start, endAfter).map(objectKey));
      this.goneKeys = this.routesGiven.slice(start, endBefore).map(objectKey).filter((key) => !kept.has(key));
      // Unchanged routes that read a changed Service, grant or namespace: a walk over pointers, and
      // only when there are some (none for an EndpointSlice change).
      if (this.staleCount > 0) {
        for (let r = 0; r < outcomes.length; r++) {
          const old = outcomes[r]!;
          if (!old.rules.stale) continue;
          const outcome = compute(routes[r]!);
          for (const i of old.attachedTo) attached[i]!--;
          for (const i of outcome.attachedTo) attached[i]!++;
          outcomes[r] = outcome;
          changes.removed.push(old);
          changes.added.push(outcome);
        }
      }
    }
    this.routesGiven = routes;
    this.outcomesGiven = outcomes;
    this.attached = attached;
    this.attachedEpoch = epoch;
    return { outcomes, attached, ...changes };
  }

  /**
   * A route's translated rules, computed again only when its spec or something it read (`compute`
   * returns what) changed.
   */
  rulesOf(key: string, route: KubeObject, compute: () => { value: TranslatedRoute; reads: string[] }): RulesEntry {
    const spec = specToken(route);
    let entry = this.rules.get(key);
    if (!entry || entry.spec !== spec || entry.stale) {
      if (entry) this.forgetReads(entry);
      const { value, reads } = compute();
      reads.push(namespaceRead(namespaceOf(route)));
      entry = { spec, translated: value, reads, stale: false, seen: 0 };
      for (const read of reads) {
        let entries = this.readers.get(read);
        if (!entries) this.readers.set(read, (entries = new Set()));
        entries.add(entry);
      }
      this.rules.set(key, entry);
    }
    entry.seen = this.translation;
    return entry;
  }

  /** A route's status, computed again only when the route object, its rules or its parents' verdicts changed. */
  statusOf(route: KubeObject, translated: TranslatedRoute, parents: string, compute: () => ObjectStatus | undefined): ObjectStatus | undefined {
    const hit = this.statuses.get(route);
    if (hit && hit.translated === translated && hit.parents === parents) return hit.status;
    const status = compute();
    this.statuses.set(route, { translated, parents, status });
    return status;
  }

  /**
   * Takes this translation's outcomes (in any order) and what outcomesOf() found added and removed:
   * returns them in route order (oldest first, then by key) and the assembly brought up to date with
   * them. The order is the previous one with the removed taken out and the new inserted (sorted afresh
   * when much changed), and the assembly rebuilds only the hosts they touch.
   */
  place(outcomes: readonly RouteOutcome[], added: readonly RouteOutcome[], removed: readonly RouteOutcome[]): { inRouteOrder: readonly RouteOutcome[]; assembly: RouteAssembly } {
    // A new context's assembly is empty: every outcome goes in, none comes out.
    if (this.assemblyEmpty) this.assembly.change(outcomes, []);
    else this.assembly.change(added, removed);
    this.assemblyEmpty = false;
    return { inRouteOrder: this.reorder(outcomes, added, removed), assembly: this.assembly };
  }

  private reorder(outcomes: readonly RouteOutcome[], added: readonly RouteOutcome[], removed: readonly RouteOutcome[]): RouteOutcome[] {
    const byOrder = (a: RouteOutcome, b: RouteOutcome): number => compareRouteOrder(a.order, b.order);
    if (added.length + removed.length > outcomes.length / 8) {
      this.ordered = [...outcomes].sort(byOrder);
      return this.ordered;
    }
    // Edited in place: the caller only reads the list before the next translation, and a copy of
    // thousands per translation is most of what the memo would allocate.
    const ordered = this.ordered;
    if (removed.length !== 0) {
      const gone = new Set(removed);
      let w = 0;
      for (let r = 0; r < ordered.length; r++) if (!gone.has(ordered[r]!)) ordered[w++] = ordered[r]!;
      ordered.length = w;
    }
    for (const outcome of added) ordered.splice(lowerBound(ordered, outcome, byOrder), 0, outcome);
    return ordered;
  }

  /**
   * The pools the placed routes use, sorted by name: only pools that came into use or whose Service or
   * EndpointSlices changed are built, the others are the previous translation's objects.
   */
  poolsOf(assembly: RouteAssembly, services: ReadonlyMap<string, Service>): PoolConfig[] {
    const all = assembly !== this.poolsAssembly;
    this.poolsAssembly = assembly;
    const pools = this.pools.pools(assembly.takePoolChanges(), all, (pool) => assembly.uses(pool), this.dirtyServices, services);
    this.dirtyServices = new Set();
    return pools;
  }

  /** Ends a translation: rules of routes it did not see (deleted) are dropped. */
  commit(): void {
    const drop = (key: string): void => {
      const entry = this.rules.get(key);
      if (!entry) return;
      this.forgetReads(entry);
      this.rules.delete(key);
    };
    if (this.goneKeys) for (const key of this.goneKeys) drop(key);
    else for (const [key, entry] of this.rules) if (entry.seen !== this.translation) drop(key);
    this.goneKeys = undefined;
  }
}
