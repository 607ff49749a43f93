/**
 * HTTPS listeners: TLS terminated with the certificate SNI selects (exact name, then wildcard,
 * then the listener default), certificate changes applied without rebinding, bad PEM rejected.
 * Certificates are made by the openssl CLI in the test.
 */
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListenerConfig, RouterConfig } from '../../../src/contract/router-config.schema.js';
import { ConfigValidationError } from '../../../src/contract/validate-config.js';
import type { RouterEngine } from '../../../src/router/engine/router-engine.js';
import { freePort, LOCAL, newEngine, pool, prefix, route, selfSignedCert, startEcho, vhost, type TestCert, type Upstream } from './helpers.js';

let engine: RouterEngine;
let port: number;
let up: Upstream;
let certs: Record<'default' | 'exact' | 'wild' | 'rotated', TestCert>;

function httpsConfig(list: Array<TestCert & { hostnames?: string[] }>): RouterConfig {
  const listener: ListenerConfig = {
    name: 'https',
    address: LOCAL,
    port,
    protocol: 'HTTPS',
    tls: { certificates: list.map((c) => ({ certPem: c.certPem, keyPem: c.keyPem, ...(c.hostnames ? { hostnames: c.hostnames } : {}) })) },
    virtualHosts: [vhost(['*'], [route('r', prefix('/'), 'up')])],
  };
  return { listeners: [listener], pools: [pool('up', up.port)] };
}

/** Handshake with `servername` and return the CN of the certificate the server presented. */
function presentedCn(servername: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: LOCAL, port, servername, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate?.() as X509Certificate | undefined;
      socket.end();
      resolve(/CN=([^\n,]+)/.exec(cert?.subject ?? '')?.[1] ?? '');
    });
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  certs = {
    default: selfSignedCert(['default.example.com']),
    exact: selfSignedCert(['api.example.com']),
    wild: selfSignedCert(['*.apps.example.com']),
    rotated: selfSignedCert(['api.example.com']),
  };
  up = await startEcho('up');
  port = await freePort();
  ({ engine } = newEngine());
  // The wildcard certificate lists no hostnames: they come from its subjectAltName.
  await engine.apply(httpsConfig([certs.default, { ...certs.exact, hostnames: ['api.example.com'] }, certs.wild]));
}, 60_000);

afterAll(async () => {
  await engine.close(1000);
  await up.close();
});

describe('TLS termination', () => {
  it('SNI selects exact, then wildcard, then the default certificate', async () => {
    expect(await presentedCn('api.example.com')).toBe('api.example.com');
    expect(await presentedCn('API.Example.com')).toBe('api.example.com');
    expect(await presentedCn('x.apps.example.com')).toBe('*.apps.example.com');
    expect(await presentedCn('unknown.test')).toBe('default.example.com');
    expect(await presentedCn(undefined)).toBe('default.example.com');
  });

  it('proxies decrypted requests with X-Forwarded-Proto https', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: LOCAL, port, path: '/secure', servername: 'api.example.com', headers: { host: 'api.example.com' }, rejectUnauthorized: false, agent: false }, (res) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () => resolve(b));
        })
        .on('error', reject);
    });
    const seen = JSON.parse(body);
    expect(seen.url).toBe('/secure');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
  });

  it('changed certificates apply without rebinding', async () => {
    const before = engine.boundAddresses().get('https');
    await engine.apply(httpsConfig([certs.rotated, certs.wild]));
    expect(engine.boundAddresses().get('https')).toEqual(before);
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ host: LOCAL, port, servername: 'api.example.com', rejectUnauthorized: false }, () => resolve(s));
      s.on('error', reject);
    });
    const served = socket.getPeerX509Certificate()!;
    socket.end();
    expect(served.fingerprint256).toBe(new X509Certificate(certs.rotated.certPem).fingerprint256);
    // The no-SNI default follows the new first certificate too.
    const noSni = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: LOCAL, port, rejectUnauthorized: false }, () => {
        resolve(s.getPeerX509Certificate()!.fingerprint256);
        s.end();
      });
      s.on('error', reject);
    });
    expect(noSni).toBe(new X509Certificate(certs.rotated.certPem).fingerprint256);
  });

  it('a bad key is rejected with the certificate path, without echoing key material, and nothing changes', async () => {
    const swaps = engine.swapCount;
    const bad = { certPem: certs.exact.certPem, keyPem: '-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n' };
    const err = await engine.apply(httpsConfig([certs.default, bad])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigValidationError);
    expect((err as ConfigValidationError).path).toBe('/listeners/0/tls/certificates/1');
    expect(String((err as Error).message)).not.toContain('SECRETSECRET');
    expect(engine.swapCount).toBe(swaps);
    expect(await presentedCn('x.apps.example.com')).toBe('*.apps.example.com');
  });
});
