/** Which router replicas receive each config: URL lists, Service references, ready endpoints. */
import { describe, expect, it } from 'vitest';
import { parseServiceRef, parseUrlList, serviceEndpointUrls } from '../../../src/publish/http/replica-targets.js';

describe('replica targets', () => {
  it('parses URL lists and service references, refusing garbage', () => {
    expect(parseUrlList(' http://a:9901/, http://b:9901 ,http://a:9901')).toEqual(['http://a:9901', 'http://b:9901']);
    expect(() => parseUrlList('ftp://x')).toThrow(/unsupported scheme/);
    expect(() => parseUrlList('not a url')).toThrow();
    expect(parseServiceRef('ns/name:9901')).toEqual({ namespace: 'ns', name: 'name', port: 9901 });
    expect(parseServiceRef('ns/name')).toEqual({ namespace: 'ns', name: 'name' });
    expect(() => parseServiceRef('name')).toThrow(/namespace\/name/);
  });

  it('uses ready endpoints and maps the Service port to the slice port by name', () => {
    const snapshot = {
      services: [{ metadata: { name: 'r', namespace: 's' }, spec: { ports: [{ name: 'admin', port: 9901, targetPort: 'admin' }, { name: 'http', port: 80 }] } }],
      endpointSlices: [
        {
          metadata: { name: 'r-1', namespace: 's', labels: { 'kubernetes.io/service-name': 'r' } },
          addressType: 'IPv4',
          ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 19901 }],
          endpoints: [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.1'], conditions: { ready: true } }, { addresses: ['10.0.0.3'], conditions: { ready: false } }],
        },
        { metadata: { name: 'other', namespace: 's', labels: { 'kubernetes.io/service-name': 'other' } }, addressType: 'IPv4', ports: [{ name: 'admin', port: 1 }], endpoints: [{ addresses: ['10.9.9.9'] }] },
        { metadata: { name: 'r-v6', namespace: 's', labels: { 'kubernetes.io/service-name': 'r' } }, addressType: 'IPv6', ports: [{ name: 'admin', port: 19901 }], endpoints: [{ addresses: ['fd00::1'] }] },
      ],
    };
    expect(serviceEndpointUrls(snapshot, { namespace: 's', name: 'r', port: 9901 })).toEqual(['http://10.0.0.1:19901', 'http://10.0.0.2:19901', 'http://[fd00::1]:19901']);
    expect(serviceEndpointUrls(snapshot, { namespace: 's', name: 'missing' })).toEqual([]);
  });
});
