/**
 * Which router admin URLs receive configs: a fixed list (--data-plane-url), or the ready endpoints of
 * the router Service (--data-plane-service ns/name[:port]) found in the EndpointSlices of the snapshot.
 * Pure functions over the snapshot, so new replicas are discovered as soon as the provider sees them.
 */
import type { ResourceSnapshot, Service } from '../../translator/translator.types.js';

export interface ServiceRef {
  namespace: string;
  name: string;
  /** Service port (number); the first port of the slices when absent. */
  port?: number;
}

export function parseUrlList(value: string | undefined): string[] {
  if (!value) return [];
  return [...new Set(value.split(',').map((u) => u.trim().replace(/\/+$/, '')).filter(Boolean))].map((u) => {
    const url = new URL(u); // throws on garbage: caught at startup with the flag name
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported scheme in ${u}`);
    return u;
  });
}

export function parseServiceRef(value: string | undefined): ServiceRef | undefined {
  if (!value) return undefined;
  const m = /^([^/]+)\/([^:]+)(?::(\d+))?$/.exec(value);
  if (!m) throw new Error(`expected namespace/name[:port], got "${value}"`);
  return { namespace: m[1], name: m[2], ...(m[3] ? { port: Number(m[3]) } : {}) };
}

interface SlicePort {
  name?: string;
  port?: number;
  protocol?: string;
}

/** The slice port that carries the Service port: matched by the Service port's name (slices carry target ports). */
function targetPort(slicePorts: SlicePort[], ref: ServiceRef, service: Service | undefined): number | undefined {
  const tcp = slicePorts.filter((p) => (p.protocol ?? 'TCP') === 'TCP' && typeof p.port === 'number');
  if (ref.port === undefined) return tcp[0]?.port;
  const servicePorts = (service?.spec?.ports ?? []) as { name?: string; port?: number }[];
  const sp = servicePorts.find((p) => p.port === ref.port);
  if (sp) return tcp.find((p) => (p.name ?? '') === (sp.name ?? ''))?.port;
  // No Service object (yet): the Service port usually equals the target port.
  return tcp.find((p) => p.port === ref.port)?.port;
}

function urlFor(address: string, port: number): string {
  return address.includes(':') ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}

/** Admin URLs of the ready endpoints of the Service, sorted and deduplicated. */
export function serviceEndpointUrls(snapshot: Pick<ResourceSnapshot, 'services' | 'endpointSlices'>, ref: ServiceRef): string[] {
  const service = snapshot.services.find((s) => s.metadata.namespace === ref.namespace && s.metadata.name === ref.name);
  const urls = new Set<string>();
  for (const slice of snapshot.endpointSlices) {
    if (slice.metadata.namespace !== ref.namespace) continue;
    if (slice.metadata.labels?.['kubernetes.io/service-name'] !== ref.name) continue;
    const port = targetPort((slice.ports ?? []) as SlicePort[], ref, service);
    if (port === undefined) continue;
    for (const ep of (slice.endpoints ?? []) as { addresses?: string[]; conditions?: { ready?: boolean } }[]) {
      // Absent "ready" means ready (EndpointSlice API semantics).
      if (ep.conditions?.ready === false) continue;
      const address = ep.addresses?.[0];
      if (address) urls.add(urlFor(address, port));
    }
  }
  return [...urls].sort();
}
