/**
 * Assembles the router config: one router listener per (address, port). Every Gateway listener bound
 * there merges into it: virtual hosts by effective hostname, and for HTTPS one certificate entry per
 * listener selected by SNI. Listener isolation: a hostname is served only by the most specific listener
 * whose hostname covers it, so a request never reaches routes of a less specific listener.
 */
import type { CertificateConfig, ListenerConfig, PoolConfig, RouterConfig, VirtualHostConfig } from '../contract/router-config.schema.js';
import type { GatewayState } from './gateway/gateway.js';
import { isProgrammable, type ListenerState } from './gateway/listeners.js';
import { covers, specificity } from './hostnames.js';
import { compareStrings } from './objects.js';
import type { Attachment } from './httproute/attachment.js';

interface Bound {
  address: string;
  port: number;
  protocol: 'HTTP' | 'HTTPS';
  listeners: ListenerState[];
}

/** [binding index, virtual host name, fallthrough scope]: where a route's router routes go. */
export type PlacementTarget = [number, string, string];

export class RouterConfigBuilder {
  private readonly bound = new Map<string, Bound>();
  /** Each binding's index, in the order they were made: targets name bindings by index. */
  private readonly boundIndex = new Map<Bound, number>();
  /** Router bindings each Gateway listener was placed on. */
  private readonly placements = new Map<ListenerState, Bound[]>();

  /**
   * Registers the listeners of Gateways that get config, in Gateway order. When Gateways share an
   * address (empty pool: all on 0.0.0.0), a later listener whose protocol differs from the one already
   * bound on that port is marked conflicted instead.
   */
  addGateways(gateways: readonly GatewayState[]): void {
    for (const g of gateways) {
      if (!g.accepted.ok) continue;
      for (const address of g.bind) {
        for (const l of g.listeners) {
          if (!isProgrammable(l)) continue;
          const key = `${address}:${l.port}`;
          const existing = this.bound.get(key);
          if (existing && existing.protocol !== l.protocol) {
            l.conflicted = { reason: 'ProtocolConflict', message: `${key} is already served with ${existing.protocol} by another Gateway` };
            continue;
          }
          const b: Bound = existing ?? { address, port: l.port, protocol: l.protocol as Bound['protocol'], listeners: [] };
          b.listeners.push(l);
          if (!existing) {
            this.bound.set(key, b);
            this.boundIndex.set(b, this.boundIndex.size);
          }
          this.placements.set(l, [...(this.placements.get(l) ?? []), b]);
        }
      }
    }
    // A listener conflicted on one address must not be served on any.
    for (const b of this.bound.values()) b.listeners = b.listeners.filter((l) => !l.conflicted);
  }

  /** Whether a more specific listener bound on the same port owns `hostname`. */
  private ownedByMoreSpecific(b: Bound, listener: ListenerState, hostname: string): boolean {
    const mine = specificity(listener.hostname);
    return b.listeners.some((other) => other !== listener && specificity(other.hostname) > mine && covers(other.hostname, hostname));
  }

  /**
   * Where a route's router routes go: each (binding, hostname) its attachments reach, once (a route may
   * reach one virtual host through two listeners), minus hostnames a more specific listener owns. Reads
   * only the Gateways' layout, so a route's targets stay valid while that layout is unchanged.
   */
  targetsOf(attachments: readonly Attachment[]): PlacementTarget[] {
    const targets: PlacementTarget[] = [];
    const seen = new Set<string>();
    for (const { listener, hostnames } of attachments) {
      if (listener.conflicted) continue;
      for (const b of this.placements.get(listener) ?? []) {
        for (const hostname of hostnames) {
          if (this.ownedByMoreSpecific(b, listener, hostname)) continue;
          const bound = this.boundIndex.get(b)!;
          const once = `${bound} ${hostname}`;
          if (seen.has(once)) continue;
          seen.add(once);
          targets.push([bound, hostname, listener.hostname ?? '*']);
        }
      }
    }
    return targets;
  }

  private certificates(b: Bound): CertificateConfig[] {
    // The first certificate is the router's default: listeners without a hostname go first.
    const ordered = [...b.listeners.filter((l) => !l.hostname), ...b.listeners.filter((l) => l.hostname)];
    const seen = new Set<string>();
    const out: CertificateConfig[] = [];
    for (const l of ordered) {
      const sni = l.hostname ?? '';
      if (seen.has(sni)) continue;
      seen.add(sni);
      for (const pair of l.certificates) out.push(l.hostname ? { hostnames: [l.hostname], ...pair } : { ...pair });
    }
    return out;
  }

  /** The config: each binding's listener with `virtualHostsOf(its index)`, and the pools in use. */
  build(virtualHostsOf: (bound: number) => VirtualHostConfig[], pools: PoolConfig[]): RouterConfig {
    const listeners: ListenerConfig[] = [...this.bound.values()]
      .filter((b) => b.listeners.length > 0)
      .sort((a, b) => compareStrings(a.address, b.address) || a.port - b.port)
      .map((b) => ({
        name: `${b.address}:${b.port}`,
        address: b.address,
        port: b.port,
        protocol: b.protocol,
        ...(b.protocol === 'HTTPS' ? { tls: { certificates: this.certificates(b) } } : {}),
        virtualHosts: virtualHostsOf(this.boundIndex.get(b)!),
      }));
    return { listeners, pools };
  }
}
