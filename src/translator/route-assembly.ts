/**
 * Virtual hosts assembled from route outcomes, kept from one translation to the next while the routing
 * context is the same. Each (binding, hostname) slot lists the routes placed there in route order;
 * a translation adds the outcomes that are new and takes out those that are gone, and only the slots
 * they touch are rebuilt. Every other virtual host, and every binding's list whose hosts did not
 * change, comes out as the very same object as last time.
 */
import { pieceHash } from '../contract/config-version.js';
import { lowerBound, sameItems } from '../contract/config-delta.js';
import type { VirtualHostConfig } from '../contract/router-config.schema.js';
import type { TranslatedRoute } from './httproute/rules.js';
import { compareRouteOrder, compareStrings, type RouteOrder } from './objects.js';
import type { PlacementTarget } from './router-config.js';

/** What the assembly needs of a route's outcome. */
export interface Placed {
  order: RouteOrder;
  translated: TranslatedRoute;
  targets: readonly PlacementTarget[];
}

interface Member {
  placed: Placed;
  scope: string;
}

interface Slot {
  bound: number;
  hostname: string;
  members: Member[];
  vhost: VirtualHostConfig | undefined;
}

interface Binding {
  /** Hostnames of its virtual hosts, sorted. */
  names: string[];
  /** Its slots by hostname (the names above are these keys, so a lookup hashes no new string). */
  slots: Map<string, Slot>;
  /** The virtual hosts, index for index with `names` (a slot not rebuilt yet holds undefined). */
  list: (VirtualHostConfig | undefined)[];
  /** `list` went out in a config: copy it before the next edit (configs are immutable). */
  shared: boolean;
}

const slotKey = (bound: number, hostname: string): string => `${bound}\n${hostname}`;

export class RouteAssembly {
  /** The previous context's virtual hosts, reused where their content comes out the same. */
  private inherited: Map<string, VirtualHostConfig> | undefined;

  /** `previous`: the assembly of the context before, whose equal virtual hosts are kept as they were. */
  constructor(previous?: RouteAssembly) {
    if (!previous) return;
    this.inherited = new Map();
    for (const [bound, binding] of previous.bindings) for (const [name, slot] of binding.slots) this.inherited.set(slotKey(bound, name), slot.vhost!);
  }

  private readonly bindings = new Map<number, Binding>();
  private readonly poolRefs = new Map<string, number>();
  private poolChanges = new Set<string>();

  /** Takes `removed` out and puts `added` in (the outcomes that changed since the last call). */
  change(added: readonly Placed[], removed: readonly Placed[]): void {
    const dirty = new Set<Slot>();
    for (const placed of removed) this.remove(placed, dirty);
    for (const placed of added) this.add(placed, dirty);
    for (const slot of dirty) this.rebuild(slot);
    this.inherited = undefined;
  }

  /** The binding's virtual hosts, sorted by name (the same array while none of them changed). */
  virtualHosts(bound: number): VirtualHostConfig[] {
    const binding = this.bindings.get(bound);
    if (!binding) return [];
    binding.shared = true;
    return binding.list as VirtualHostConfig[]; // every slot was rebuilt by change()
  }

  /** Whether a placed route uses the pool. */
  uses(pool: string): boolean {
    return this.poolRefs.has(pool);
  }

  /** Pools that came into or went out of use since the last call (the pools only need those rebuilt). */
  takePoolChanges(): Set<string> {
    const changes = this.poolChanges;
    this.poolChanges = new Set();
    return changes;
  }

  private add(placed: Placed, dirty: Set<Slot>): void {
    for (const [bound, hostname, scope] of placed.targets) {
      const binding = this.binding(bound);
      let slot = binding.slots.get(hostname);
      if (!slot) {
        slot = { bound, hostname, members: [], vhost: undefined };
        binding.slots.set(hostname, slot);
        const at = lowerBound(binding.names, hostname, compareStrings);
        binding.names.splice(at, 0, hostname);
        editable(binding).splice(at, 0, undefined);
      }
      const member: Member = { placed, scope };
      slot.members.splice(lowerBound(slot.members, member, (a, b) => compareRouteOrder(a.placed.order, b.placed.order)), 0, member);
      dirty.add(slot);
    }
    if (placed.targets.length > 0) {
      for (const pool of placed.translated.pools) {
        const refs = this.poolRefs.get(pool) ?? 0;
        if (refs === 0) this.poolChanges.add(pool);
        this.poolRefs.set(pool, refs + 1);
      }
    }
  }

  private remove(placed: Placed, dirty: Set<Slot>): void {
    for (const [bound, hostname] of placed.targets) {
      const slot = this.bindings.get(bound)?.slots.get(hostname);
      if (!slot) continue;
      const at = slot.members.findIndex((m) => m.placed === placed);
      if (at >= 0) slot.members.splice(at, 1);
      dirty.add(slot);
    }
    if (placed.targets.length > 0) {
      for (const pool of placed.translated.pools) {
        const refs = (this.poolRefs.get(pool) ?? 0) - 1;
        if (refs > 0) this.poolRefs.set(pool, refs);
        else {
          this.poolRefs.delete(pool);
          this.poolChanges.add(pool);
        }
      }
    }
  }

  private binding(bound: number): Binding {
    let binding = this.bindings.get(bound);
    if (!binding) this.bindings.set(bound, (binding = { names: [], slots: new Map(), list: [], shared: false }));
    return binding;
  }

  private rebuild(slot: Slot): void {
    const binding = this.binding(slot.bound);
    if (slot.members.length === 0) {
      binding.slots.delete(slot.hostname);
      const at = lowerBound(binding.names, slot.hostname, compareStrings);
      binding.names.splice(at, 1);
      editable(binding).splice(at, 1);
      return;
    }
    const routes = slot.members.flatMap((m) => m.placed.translated.routes);
    // The first route placed on a host (in route order) decides its fallthrough scope.
    const scope = slot.members[0]!.scope;
    const previous = slot.vhost ?? this.inherited?.get(slotKey(slot.bound, slot.hostname));
    let next: VirtualHostConfig;
    if (previous && previous.scope === scope && sameItems(previous.routes, routes)) next = previous;
    else {
      const built: VirtualHostConfig = { name: slot.hostname, hostnames: [slot.hostname], scope, routes };
      // Rules computed again (a new context, a new generation) often come out the same: compare
      // content before letting a new object through (the hash is kept and used downstream anyway).
      next = previous && pieceHash(previous) === pieceHash(built) ? previous : built;
    }
    if (next === slot.vhost) return;
    slot.vhost = next;
    editable(binding)[lowerBound(binding.names, slot.hostname, compareStrings)] = next;
  }
}

/** The binding's list, copied first if a config holds it. */
function editable(binding: Binding): (VirtualHostConfig | undefined)[] {
  if (binding.shared) {
    binding.list = binding.list.slice();
    binding.shared = false;
  }
  return binding.list;
}
