/**
 * What one translation can reuse from the previous one, so a change to one HTTPRoute among thousands
 * costs about that route. The translation stays a pure function of its inputs: everything reused here
 * is looked up by the inputs it was computed from (object identity, uid+generation for a route's spec,
 * or the serialized routing context), and the output equals a fresh translation's, except that
 * unchanged pieces of the router config are the previous config's very objects (which lets hashing,
 * validation, diffing and the router's compiler skip them): virtual hosts come from a RouteAssembly
 * kept for the routing context, which rebuilds only the hosts whose routes changed.
 */
import type { PoolConfig, RouterConfig } from '../contract/router-config.schema.js';
import { pieceHash } from '../contract/config-version.js';
import type { TranslatedRoute } from './httproute/rules.js';
import { RouteAssembly, type Placed } from './route-assembly.js';
import { changedStretch, lowerBound, sameItems } from '../contract/config-delta.js';
import { byKey, compareRouteOrder, indexByKey, listChanges, objectKey, sorted } from './objects.js';
import type { KubeObject, ObjectStatus } from './translator.types.js';

interface RulesEntry {
  spec: unknown;
  backendInputs: readonly unknown[];
  translated: TranslatedRoute;
  /** The translation that last used it (entries of deleted routes are dropped). */
  seen: number;
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
  private readonly ids = new WeakMap<object, number>();
  /** Lists sorted by key and indexes by key, per list the provider handed in (kept while the kind is unchanged). */
  private readonly sortedLists = new WeakMap<readonly KubeObject[], readonly KubeObject[]>();
  private readonly indexes = new WeakMap<readonly KubeObject[], ReadonlyMap<string, KubeObject>>();
  private nextId = 0;
  private context = '';
  private epoch = 0;
  private assembly = new RouteAssembly();
  /** The assembly was made for a new context and holds no outcomes yet. */
  private assemblyEmpty = true;
  private pools = new Map<string, PoolConfig>();
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

  /** A number that stands for one object (a list the provider keeps while its kind is unchanged). */
  identity(object: object): number {
    let id = this.ids.get(object);
    if (id === undefined) this.ids.set(object, (id = ++this.nextId));
    return id;
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
    if (outcome?.epoch !== epoch) return undefined;
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
    }
    this.routesGiven = routes;
    this.outcomesGiven = outcomes;
    this.attached = attached;
    this.attachedEpoch = epoch;
    return { outcomes, attached, ...changes };
  }

  /** A route's translated rules, computed again only when its spec or the backend inputs changed. */
  rulesOf(key: string, route: KubeObject, backendInputs: readonly unknown[], compute: () => TranslatedRoute): RulesEntry {
    const spec = specToken(route);
    let entry = this.rules.get(key);
    if (!entry || entry.spec !== spec || !sameItems(entry.backendInputs, backendInputs)) {
      entry = { spec, backendInputs, translated: compute(), seen: 0 };
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

  /** The config with every pool equal to the previous translation's replaced by that previous object. */
  internPools(config: RouterConfig): RouterConfig {
    const pools = new Map<string, PoolConfig>();
    const poolList = config.pools.map((p) => {
      const previous = this.pools.get(p.name);
      const kept = previous && pieceHash(previous) === pieceHash(p) ? previous : p;
      pools.set(p.name, kept);
      return kept;
    });
    this.pools = pools;
    return { ...config, pools: poolList };
  }

  /** Ends a translation: rules of routes it did not see (deleted) are dropped. */
  commit(): void {
    if (this.goneKeys) for (const key of this.goneKeys) this.rules.delete(key);
    else for (const [key, entry] of this.rules) if (entry.seen !== this.translation) this.rules.delete(key);
    this.goneKeys = undefined;
  }
}
