/**
 * Listener conflicts inside one set of listeners bound together (one Gateway, or Gateways that share an
 * address): protocol conflicts (HTTP and HTTPS on one port), hostname conflicts (same port, protocol and
 * hostname), and overlapping TLS hostnames among HTTPS listeners on one port (informational).
 */
import { overlaps } from '../hostnames.js';
import type { ListenerState } from './listeners.js';

function groupByPort(listeners: readonly ListenerState[]): Map<number, ListenerState[]> {
  const byPort = new Map<number, ListenerState[]>();
  for (const l of listeners) {
    if (!l.servable) continue; // unsupported protocols take no part in conflicts (spec: TCP rule does not apply)
    const list = byPort.get(l.port) ?? [];
    list.push(l);
    byPort.set(l.port, list);
  }
  return byPort;
}

/** Marks conflicts among the listeners of one Gateway. All indistinct listeners lose; none is picked. */
export function markConflicts(listeners: readonly ListenerState[]): void {
  for (const [port, group] of groupByPort(listeners)) {
    const protocols = new Set(group.map((l) => l.protocol));
    if (protocols.size > 1) {
      for (const l of group) {
        l.conflicted = { reason: 'ProtocolConflict', message: `port ${port} is used with protocols ${[...protocols].sort().join(' and ')}` };
      }
      continue;
    }
    const seen = new Map<string, ListenerState[]>();
    for (const l of group) {
      const key = l.hostname ?? '';
      seen.set(key, [...(seen.get(key) ?? []), l]);
    }
    for (const [hostname, same] of seen) {
      if (same.length < 2) continue;
      for (const l of same) {
        l.conflicted = { reason: 'HostnameConflict', message: `port ${port} hostname "${hostname}" is used by listeners ${same.map((s) => s.name).join(', ')}` };
      }
    }
  }
}

/** Sets overlappingTls on HTTPS listeners whose hostnames overlap another HTTPS listener's on the same port. */
export function markOverlappingTls(listeners: readonly ListenerState[]): void {
  for (const group of groupByPort(listeners).values()) {
    const https = group.filter((l) => l.protocol === 'HTTPS' && !l.conflicted);
    for (const a of https) {
      a.overlappingTls = https.some((b) => b !== a && overlaps(a.hostname, b.hostname));
    }
  }
}
