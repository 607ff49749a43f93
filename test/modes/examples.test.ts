/**
 * The shipped examples/ do what their comments promise, through the real standalone pipeline. Copies of
 * the files with the fixed ports (8080, 3000, 3001) moved to free ones, so the test never collides.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load-settings.js';
import { startDemoBackend, type DemoBackend } from '../../src/modes/standalone/demo-backend.js';
import { startStandalone, type StandaloneHandle } from '../../src/modes/standalone.main.js';
import { freePort, httpGet } from '../support/real-router.js';

Logger.overrideLogger(['error']);

let dir: string;
let demo: DemoBackend;
let port: number;
let sa: StandaloneHandle;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serval-examples-'));
  demo = await startDemoBackend([
    { name: 'demo-a', port: 0 },
    { name: 'demo-b', port: 0 },
  ]);
  port = await freePort();
  const a = String(demo.ports.get('demo-a'));
  const b = String(demo.ports.get('demo-b'));
  for (const f of readdirSync('examples').filter((n) => n.endsWith('.yaml'))) {
    const text = readFileSync(join('examples', f), 'utf8')
      .replace(/\bport: 8080\b/g, `port: ${port}`)
      .replace(/\b3000\b/g, a)
      .replace(/\b3001\b/g, b);
    writeFileSync(join(dir, f), text);
  }
  const settings = { ...loadSettings('standalone', ['--resources', dir], {}), adminPort: 0 };
  sa = await startStandalone(settings, { logger: pino({ level: 'silent' }), firstConfigTimeoutMs: 30_000 });
});

afterAll(async () => {
  await sa?.close();
  await demo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function echo(path: string, headers: Record<string, string> = {}) {
  const res = await httpGet(port, path, headers);
  expect(res.status).toBe(200);
  return { ...(JSON.parse(res.body) as { backend: string; path: string }), headers: res.headers };
}

it('every example route works: catch-all, header match, rewrite, weighted split', async () => {
  expect(sa.live).toBe(true);
  expect((await echo('/')).backend).toBe('demo-a');
  const variant = await echo('/', { 'x-variant': 'b' });
  expect(variant.backend).toBe('demo-b');
  expect(variant.headers['x-matched-by']).toBe('variant-b');
  const rewritten = await echo('/api/users');
  expect([rewritten.backend, rewritten.path]).toEqual(['demo-a', '/users']);
  const seen = new Map<string, number>();
  for (let i = 0; i < 200; i++) {
    const { backend } = await echo('/split');
    seen.set(backend, (seen.get(backend) ?? 0) + 1);
  }
  // 75/25: both answer, demo-a clearly more often (bounds wide enough never to flake).
  expect(seen.get('demo-b')).toBeGreaterThan(10);
  expect(seen.get('demo-a')!).toBeGreaterThan(seen.get('demo-b')!);
});

it('reports every example object as accepted', async () => {
  const status = (await (await fetch(`${sa.adminUrl}/status`)).json()) as { statuses: { kind: string; name: string; status: Record<string, any> }[]; fileProblems: unknown[] };
  expect(status.fileProblems).toEqual([]);
  const notTrue = status.statuses.flatMap((s) =>
    [...(s.status.conditions ?? []), ...(s.status.parents ?? []).flatMap((p: any) => p.conditions)]
      .filter((c: any) => c.type !== 'Conflicted' && c.status !== 'True')
      .map((c: any) => `${s.kind} ${s.name}: ${c.type}=${c.status} ${c.reason}`),
  );
  expect(notTrue).toEqual([]);
});
