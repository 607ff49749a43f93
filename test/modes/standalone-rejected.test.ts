/**
 * Standalone end to end: one object that parses but translates to something the router refuses must
 * not freeze the others. It is left out, reported with its file:line and name in GET /status
 * fileProblems and in one log line, and its status says Accepted=False; every other change still goes
 * live. The input is one the Gateway API CRD schema accepts (33 retry codes: the CRD sets no limit, the
 * router takes 32), so no schema check upstream catches it.
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
import { freePort, waitFor } from '../support/real-router.js';
import { backendAt as backendAtPort, backendYaml, gatewayYaml, routeYaml } from './support/resource-yaml.js';

Logger.overrideLogger(['error']);

let dir: string;
let demo: DemoBackend;
let gwPort: number;
let sa: StandaloneHandle;
/** Every log line the standalone process wrote, parsed. */
const logs: { context?: string; msg: string; level: number }[] = [];


const retryCodes = (n: number) => `    retry: {attempts: 2, codes: [${Array.from({ length: n }, (_, i) => 500 + i).join(', ')}]}\n`;

const backendAt = (path: string) => backendAtPort(gwPort, path);

interface StatusBody {
  fileProblems: { file: string; line: number; reason: string; message: string }[];
  statuses: { kind: string; name: string; status: { parents?: { conditions: { type: string; status: string; reason: string; message: string }[] }[] } }[];
}

async function status(): Promise<StatusBody> {
  return (await (await fetch(`${sa.adminUrl}/status`)).json()) as StatusBody;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serval-rejected-'));
  demo = await startDemoBackend([
    { name: 'demo-a', port: 0 },
    { name: 'demo-b', port: 0 },
  ]);
  gwPort = await freePort();
  writeFileSync(join(dir, 'gateway.yaml'), gatewayYaml(gwPort));
  writeFileSync(join(dir, 'backends.yaml'), backendYaml('svc-a', demo.ports.get('demo-a')!) + '---\n' + backendYaml('svc-b', demo.ports.get('demo-b')!));
  writeFileSync(join(dir, 'routes.yaml'), routeYaml('route-a', '/a', 'svc-a'));
  const settings = { ...loadSettings('standalone', ['--resources', dir, '--debounce', '10'], {}), adminPort: 0 };
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  sa = await startStandalone(settings, { logger, firstConfigTimeoutMs: 30_000 });
});

afterAll(async () => {
  await sa?.close();
  await demo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an object the router would refuse', () => {
  it('is left out and reported with file:line and name; every other change still goes live', async () => {
    expect(await backendAt('/a')).toBe('demo-a');
    // Second in its file, so its line is not 1.
    writeFileSync(join(dir, 'retries.yaml'), `${routeYaml('fine', '/fine', 'svc-b')}---\n${routeYaml('many-codes', '/retried', 'svc-b', retryCodes(33))}`);
    await waitFor('route /fine live', async () => (await backendAt('/fine')) === 'demo-b');
    expect(await backendAt('/retried')).toBe('HTTP 404');
    expect(await backendAt('/a')).toBe('demo-a');

    // A later, unrelated change still applies.
    writeFileSync(join(dir, 'route-c.yaml'), routeYaml('route-c', '/c', 'svc-b'));
    await waitFor('route /c live', async () => (await backendAt('/c')) === 'demo-b');

    const body = await status();
    const file = join(dir, 'retries.yaml');
    expect(body.fileProblems).toEqual([
      expect.objectContaining({ file, line: 10, reason: expect.stringContaining('HTTPRoute default/many-codes is left out of the config: rule 0 match 0') }),
    ]);
    expect(body.fileProblems[0]!.message).toMatch(new RegExp(`^${file}:10:1: .*retry\\.codes: expected array length to be less or equal to 32`));
    const route = body.statuses.find((s) => s.kind === 'HTTPRoute' && s.name === 'many-codes');
    expect(route?.status.parents?.[0]?.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Accepted', status: 'False', reason: 'UnsupportedValue', message: expect.stringContaining('retry.codes') })]),
    );
    const fine = body.statuses.find((s) => s.kind === 'HTTPRoute' && s.name === 'fine');
    expect(fine?.status.parents?.[0]?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Accepted', status: 'True' })]));

    // One error line, however many translations followed, naming the file:line and the object.
    const lines = logs.filter((l) => l.context === 'Translator' && l.level >= 50);
    expect(lines.map((l) => l.msg)).toEqual([expect.stringMatching(new RegExp(`^${file}:10: HTTPRoute default/many-codes is left out of the config`))]);
  });

  it('applies again once fixed, and the problem is gone', async () => {
    writeFileSync(join(dir, 'retries.yaml'), `${routeYaml('fine', '/fine', 'svc-b')}---\n${routeYaml('many-codes', '/retried', 'svc-a', retryCodes(32))}`);
    await waitFor('route /retried live', async () => (await backendAt('/retried')) === 'demo-a');
    expect((await status()).fileProblems).toEqual([]);
    expect(logs.some((l) => l.context === 'Translator' && l.msg === 'HTTPRoute default/many-codes is no longer left out of the config')).toBe(true);
  });

  it("a path value that is not a string (issue 12's example) does not stop other routes either", async () => {
    writeFileSync(join(dir, 'bad-path.yaml'), routeYaml('bad-path', '5', 'svc-a'));
    const problem = await waitFor('bad-path.yaml reported', () => sa.fileProblems().find((p) => p.file.endsWith('bad-path.yaml')));
    expect(problem.line).toBe(1);
    writeFileSync(join(dir, 'route-d.yaml'), routeYaml('route-d', '/d', 'svc-a'));
    await waitFor('route /d live', async () => (await backendAt('/d')) === 'demo-a');
    expect(await backendAt('/c')).toBe('demo-b');
  });
});
