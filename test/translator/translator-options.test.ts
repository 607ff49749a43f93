/** Settings -> TranslatorOptions: the --gateway-service reference becomes publicAddressService. */
import { describe, expect, it } from 'vitest';
import { translatorOptions } from '../../src/translator/translation.service.js';

const base = { controllerName: 'serval.dev/gateway-controller', gatewayAddresses: '', gatewayPublicAddress: '' };

describe('translatorOptions', () => {
  it('passes the router Service as publicAddressService', () => {
    expect(translatorOptions({ ...base, gatewayService: 'serval-system/serval-router' })).toEqual({
      controllerName: base.controllerName,
      gatewayAddresses: [],
      publicAddressService: { namespace: 'serval-system', name: 'serval-router' },
    });
  });

  it('leaves it out when unset, and keeps the public address override next to it', () => {
    expect(translatorOptions(base)).not.toHaveProperty('publicAddressService');
    const both = translatorOptions({ ...base, gatewayPublicAddress: '203.0.113.1', gatewayService: 'ns/svc' });
    expect(both.publicAddress).toBe('203.0.113.1');
    expect(both.publicAddressService).toEqual({ namespace: 'ns', name: 'svc' });
  });
});
