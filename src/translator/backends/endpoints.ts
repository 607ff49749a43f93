/** EndpointSlices -> router endpoints for one Service port: ready IPv4 addresses, deduplicated and sorted. */
import type { EndpointConfig } from '../../contract/router-config.schema.js';
import { compareStrings } from '../objects.js';
import type { V1ServicePort } from '@kubernetes/client-node';
import type { EndpointSlice } from '../translator.types.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** EndpointSlices indexed by `namespace/service`. */
export function indexSlices(slices: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  const index = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!service) continue;
    const key = `${slice.metadata.namespace ?? 'default'}/${service}`;
    const list = index.get(key);
    if (list) list.push(slice);
    else index.set(key, [slice]);
  }
  return index;
}

/** The slice port serving `servicePort`: same name (unnamed = ""), else the numeric targetPort. */
function slicePortFor(slice: EndpointSlice, servicePort: V1ServicePort): number | undefined {
  const ports = slice.ports ?? [];
  const wanted = servicePort.name ?? '';
  const byName = ports.find((p) => (p.name ?? '') === wanted && (p.protocol ?? 'TCP') === 'TCP');
  if (byName?.port) return byName.port;
  if (!servicePort.name && typeof servicePort.targetPort === 'number') {
    return ports.find((p) => p.port === servicePort.targetPort)?.port;
  }
  return undefined;
}

function compareIpv4(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return compareStrings(a, b);
}

export function endpointsFor(slices: readonly EndpointSlice[], servicePort: V1ServicePort): EndpointConfig[] {
  const seen = new Set<string>();
  const out: EndpointConfig[] = [];
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const port = slicePortFor(slice, servicePort);
    if (!port) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const host of ep.addresses ?? []) {
        const key = `${host}:${port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ host, port });
      }
    }
  }
  return out.sort((a, b) => compareIpv4(a.host, b.host) || a.port - b.port);
}
