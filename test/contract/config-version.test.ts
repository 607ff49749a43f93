/**
 * The version is a pure function of a document's content and order, however much of it was hashed
 * before: the chunk cache must never make two processes (controller and router) disagree.
 */
import { describe, expect, it } from 'vitest';
import { configVersion } from '../../src/contract/config-version.js';
import type { RouterConfig, VirtualHostConfig } from '../../src/contract/router-config.schema.js';

function vhost(i: number, variant = 0): VirtualHostConfig {
  return {
    name: `vh-${String(i).padStart(5, '0')}`,
    hostnames: [`r${i}.example.test`],
    routes: [{ name: `route-${i}-${variant}`, match: { path: { type: 'PathPrefix', value: '/' } }, backends: [{ pool: 'echo', weight: 1 }] }],
  };
}

function config(virtualHosts: VirtualHostConfig[]): RouterConfig {
  return {
    listeners: [{ name: 'http', port: 8080, protocol: 'HTTP', virtualHosts }],
    pools: [{ name: 'echo', endpoints: [{ host: '127.0.0.1', port: 9000 }] }],
  };
}

/** The same document as new objects: nothing of it was hashed before. */
const fresh = (c: RouterConfig): RouterConfig => structuredClone(c);

describe('configVersion', () => {
  it('gives an edited document the version a fresh copy of it has, through 200 random edits', () => {
    let seed = 7;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    let hosts = Array.from({ length: 1_000 }, (_, i) => vhost(i * 2));
    let current = config(hosts);
    const seen = new Set([configVersion(current)]);
    for (let step = 0; step < 200; step++) {
      hosts = [...hosts];
      const at = random(hosts.length);
      const kind = step % 4;
      if (kind === 0) hosts.splice(at, 0, vhost(random(2_000) * 2 + 1, step)); // insert
      else if (kind === 1) hosts.splice(at, 1); // remove
      else if (kind === 2) hosts[at] = vhost(Number(hosts[at]!.name.slice(3)), step + 1); // replace
      else hosts.splice(at, 3, ...hosts.slice(at, at + 3).reverse()); // reorder a few
      const next = config(hosts);
      const version = configVersion(next);
      expect(version).toBe(configVersion(fresh(next)));
      if (kind !== 3 || hosts.length - at > 2) seen.add(version);
      current = next;
    }
    // Every edit made a new version (the reorders too: order is content).
    expect(seen.size).toBeGreaterThan(190);
    expect(configVersion(current)).toBe(configVersion(fresh(current)));
  });

  it('tells apart a list and the same list with its last chunk cut short', () => {
    const hosts = Array.from({ length: 300 }, (_, i) => vhost(i));
    const whole = configVersion(config(hosts));
    for (const cut of [1, 2, 17, 150]) {
      const shorter = config(hosts.slice(0, hosts.length - cut));
      expect(configVersion(shorter)).not.toBe(whole);
      expect(configVersion(shorter)).toBe(configVersion(fresh(shorter)));
    }
    expect(configVersion(config(hosts))).toBe(whole);
  });
});
