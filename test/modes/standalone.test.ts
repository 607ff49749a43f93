/**
 * Standalone end to end: YAML files in a temp dir -> translator -> the in-process router, with real
 * traffic. Edits go live; a broken file is reported with its name and line and changes nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load-settings.js';
import { startDemoBackend, type DemoBackend } from '../../src/modes/standalone/demo-backend.js';
import { startStandalone, type StandaloneHandle } from '../../src/modes/standalone.main.js';
import { freePort, httpGet, waitFor } from '../support/real-router.js';
import { backendAt as backendAtPort, backendYaml, gatewayYaml, routeYaml } from './support/resource-yaml.js';

Logger.overrideLogger(['error']);

let dir: string;
let demo: DemoBackend;
let gwPort: number;
let sa: StandaloneHandle;


const backendAt = (path: string) => backendAtPort(gwPort, path);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serval-standalone-'));
  demo = await startDemoBackend([
    { name: 'demo-a', port: 0 },
    { name: 'demo-b', port: 0 },
  ]);
  gwPort = await freePort();
  writeFileSync(join(dir, 'gateway.yaml'), gatewayYaml(gwPort));
  writeFileSync(join(dir, 'backends.yaml'), backendYaml('svc-a', demo.ports.get('demo-a')!) + '---\n' + backendYaml('svc-b', demo.ports.get('demo-b')!));
  writeFileSync(join(dir, 'routes.yaml'), routeYaml('route-a', '/a', 'svc-a'));
  const settings = { ...loadSettings('standalone', ['--resources', dir, '--debounce', '10'], {}), adminPort: 0 };
  sa = await startStandalone(settings, { logger: pino({ level: 'silent' }), firstConfigTimeoutMs: 30_000 });
});

afterAll(async () => {
  await sa?.close();
  await demo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('serval standalone', () => {
  it('serves the routes of the YAML files', async () => {
    expect(sa.live).toBe(true);
    expect(await backendAt('/a/x')).toBe('demo-a');
    expect(await backendAt('/nothing')).toBe('HTTP 404');
  });

  it('shows the config and the statuses a controller would write on the admin API', async () => {
    const config = (await (await fetch(`${sa.adminUrl}/config`)).json()) as { version: string };
    expect(config.version).toMatch(/^[0-9a-f]{16}$/);
    const status = (await (await fetch(`${sa.adminUrl}/status`)).json()) as { statuses: { kind: string; name: string; status: { parents?: { conditions: { type: string; status: string }[] }[] } }[] };
    const route = status.statuses.find((s) => s.kind === 'HTTPRoute' && s.name === 'route-a');
    expect(route?.status.parents?.[0].conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Accepted', status: 'True' })]));
  });

  it('puts a new route live when a file is added', async () => {
    writeFileSync(join(dir, 'route-b.yaml'), routeYaml('route-b', '/b', 'svc-b'));
    await waitFor('route /b live', async () => (await backendAt('/b')) === 'demo-b');
    expect(await backendAt('/a')).toBe('demo-a');
  });

  it('reports a broken file with its name and line, and keeps serving the last good routes', async () => {
    writeFileSync(join(dir, 'broken.yaml'), `${routeYaml('route-c', '/c', 'svc-a')}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n`);
    const problem = await waitFor('broken.yaml reported', () => sa.fileProblems().find((p) => p.file.endsWith('broken.yaml')));
    expect(problem.message).toMatch(/broken\.yaml:1[2-4]:\d+: YAML syntax error/);
    // Nothing of the broken file applies, not even its valid first document.
    expect(await backendAt('/c')).toBe('HTTP 404');
    expect(await backendAt('/a')).toBe('demo-a');
    expect(await backendAt('/b')).toBe('demo-b');

    // Breaking a file that was good keeps its last good version in effect.
    writeFileSync(join(dir, 'route-b.yaml'), routeYaml('route-b', '/b', 'svc-b').replace('kind: HTTPRoute', 'kind: HTTPRoutee'));
    const unknown = await waitFor('route-b.yaml reported', () => sa.fileProblems().find((p) => p.file.endsWith('route-b.yaml')));
    expect(unknown.message).toContain('route-b.yaml:1:1: unknown kind "HTTPRoutee"');
    expect(await backendAt('/b')).toBe('demo-b');
    const status = (await (await fetch(`${sa.adminUrl}/status`)).json()) as { fileProblems: { file: string; line: number }[] };
    expect(status.fileProblems.map((p) => p.file.split('/').pop()).sort()).toEqual(['broken.yaml', 'route-b.yaml']);

    // Fixed: the problem is gone and the edit (now to svc-a) is live.
    writeFileSync(join(dir, 'route-b.yaml'), routeYaml('route-b', '/b', 'svc-a'));
    await waitFor('fixed route-b live', async () => (await backendAt('/b')) === 'demo-a');
    expect(sa.fileProblems().map((p) => p.file.split('/').pop())).toEqual(['broken.yaml']);
  });

  it('refuses an object the CRDs refuse, with file:line and its name, and serves everything else', async () => {
    const otherPort = await freePort();
    // Two listeners named http (the API server refuses such a Gateway), and a good route in the same file.
    writeFileSync(
      join(dir, 'gw2.yaml'),
      `${routeYaml('route-d', '/d', 'svc-a')}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw2}
spec:
  gatewayClassName: serval
  listeners: [{name: http, protocol: HTTP, port: ${otherPort}}, {name: http, protocol: HTTP, port: ${otherPort + 1}, hostname: x.example}]
`,
    );
    // A path value that is not a string (it froze standalone before), next to a good route.
    writeFileSync(join(dir, 'bad-route.yaml'), `${routeYaml('route-e', '5', 'svc-a')}---\n${routeYaml('route-f', '/f', 'svc-b')}`);
    await waitFor('/d and /f live', async () => (await backendAt('/d')) === 'demo-a' && (await backendAt('/f')) === 'demo-b');
    const status = (await (await fetch(`${sa.adminUrl}/status`)).json()) as { fileProblems: { file: string; line: number; object?: string; message: string }[] };
    const gw2 = status.fileProblems.find((p) => p.file.endsWith('gw2.yaml'));
    expect(gw2).toMatchObject({ line: 10, object: 'Gateway default/gw2' });
    expect(gw2?.message).toMatch(/gw2\.yaml:10:1: Gateway default\/gw2: spec\.listeners\[1\]: Duplicate value: \{"name":"http"\}/);
    const route = status.fileProblems.find((p) => p.file.endsWith('bad-route.yaml'));
    expect(route).toMatchObject({ line: 1, object: 'HTTPRoute default/route-e' });
    expect(route?.message).toContain('spec.rules[0].matches[0].path.value: Invalid value: 5: expected string');
    // The refused Gateway binds nothing; everything else keeps serving.
    expect(await httpGet(otherPort, '/d').catch((err: Error) => err.message)).toMatch(/ECONNREFUSED/);
    expect(await backendAt('/a')).toBe('demo-a');
    const statuses = (await (await fetch(`${sa.adminUrl}/status`)).json()) as { statuses: { kind: string; name: string }[] };
    expect(statuses.statuses.filter((x) => ['gw2', 'route-e'].includes(x.name))).toEqual([]);

    // Breaking a good object keeps its last good version, as when the API server refuses an update.
    writeFileSync(join(dir, 'routes.yaml'), routeYaml('route-a', '/a', 'svc-a').replace('PathPrefix', 'Prefix'));
    await waitFor('routes.yaml reported', () => sa.fileProblems().find((p) => p.file.endsWith('routes.yaml')));
    expect(await backendAt('/a')).toBe('demo-a');
    writeFileSync(join(dir, 'routes.yaml'), routeYaml('route-a', '/a', 'svc-a'));
    await waitFor('routes.yaml fixed', () => !sa.fileProblems().some((p) => p.file.endsWith('routes.yaml')));
    rmSync(join(dir, 'gw2.yaml'));
    rmSync(join(dir, 'bad-route.yaml'));
    await waitFor('/d gone', async () => (await backendAt('/d')) === 'HTTP 404');
  });

  it('removes the routes of a deleted file', async () => {
    rmSync(join(dir, 'route-b.yaml'));
    await waitFor('route /b gone', async () => (await backendAt('/b')) === 'HTTP 404');
  });
});
