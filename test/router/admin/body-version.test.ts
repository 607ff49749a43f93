/**
 * A document's own `version` must describe its content: an edited copy of GET /config put back with
 * its old version is refused (it used to answer `changed: false` and drop the edit), a body without a
 * version gets one computed, and the controller's own versions keep going through. Real engine, real
 * upstreams, requests through the router's listener.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RouterConfig } from '../../../src/contract/router-config.schema.js';
import { configVersion } from '../../../src/contract/config-version.js';
import { startAdminHarness, type AdminHarness } from './support/admin-harness.js';
import { freePort, singleRouteConfig, startUpstream, type Upstream } from './support/fixtures.js';
import { admin, AUTH, get, TOKEN } from './support/http.js';

let h: AdminHarness;
let upA: Upstream;
let upB: Upstream;
let listenPort: number;

beforeAll(async () => {
  [upA, upB, listenPort] = await Promise.all([startUpstream('A'), startUpstream('B'), freePort()]);
  h = await startAdminHarness(['--admin-token', TOKEN]);
  const first = await admin(h.url, 'PUT', '/config', singleRouteConfig(listenPort, upA.port), AUTH);
  expect(first.status).toBe(200);
});

afterAll(async () => {
  await h?.close();
  await Promise.all([upA?.close(), upB?.close()]);
});

/** GET /config's document with the pool's endpoint moved to `port`, its `version` left as it was. */
async function editedLiveConfig(port: number): Promise<{ version: string; swapCount: number; edited: RouterConfig }> {
  const live = await admin(h.url, 'GET', '/config');
  const edited = structuredClone(live.json.config) as RouterConfig;
  expect(edited.version).toBe(live.json.version);
  edited.pools[0]!.endpoints[0]!.port = port;
  return { version: live.json.version, swapCount: live.json.swapCount, edited };
}

describe('a body version that does not match its content', () => {
  test.each(['PUT /config', 'POST /routes/update'])('%s: 400 at /version, and the live config keeps serving', async (call) => {
    const [method, path] = call.split(' ') as [string, string];
    const { version, swapCount, edited } = await editedLiveConfig(upB.port);
    const res = await admin(h.url, method, path, edited, AUTH);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid config', path: '/version' });
    expect(res.json.reason).toContain(`"${version}" does not match`);
    expect(res.json.reason).toContain(`"${configVersion(structuredClone(edited))}"`);
    const after = await admin(h.url, 'GET', '/config');
    expect(after.json).toMatchObject({ version, swapCount });
    expect(await get(listenPort, '/x')).toEqual({ status: 200, body: 'A' });
  });

  test('the same edit without a version goes live with the version of its content', async () => {
    const { version, edited } = await editedLiveConfig(upB.port);
    delete edited.version;
    const res = await admin(h.url, 'PUT', '/config', edited, AUTH);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true, changed: true, version: configVersion(structuredClone(edited)) });
    expect(res.json.version).not.toBe(version);
    expect(await get(listenPort, '/x')).toEqual({ status: 200, body: 'B' });
  });
});

describe('a body version that matches its content (what the controller sends)', () => {
  test('is taken as it is, and the same document again is no swap', async () => {
    const doc = singleRouteConfig(listenPort, upA.port);
    const version = configVersion(structuredClone(doc));
    const res = await admin(h.url, 'POST', '/routes/update', { ...doc, version }, AUTH);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ version, changed: true });
    expect(await get(listenPort, '/x')).toEqual({ status: 200, body: 'A' });
    const again = await admin(h.url, 'PUT', '/config', { ...doc, version }, AUTH);
    expect(again.json).toMatchObject({ version, changed: false });
  });
});
