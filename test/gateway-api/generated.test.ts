/**
 * The committed src/gateway-api/generated/ is what hack/gen-gateway-api.mjs makes from the pinned
 * release's CRDs (skipped, with the reason, where the CRDs cannot be had: no Go, no module cache).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const check = spawnSync(process.execPath, ['hack/gen-gateway-api.mjs', '--check'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
const noCrds = check.status === 2;
if (noCrds) console.log(`generated Gateway API kinds: not compared with the CRDs (${check.stderr.trim()})`);

describe('generated Gateway API kinds', () => {
  it.skipIf(noCrds)('are what the generator makes from the pinned CRDs (npm run gen:gateway-api)', () => {
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('gen-gateway-api: up to date');
    expect(check.status).toBe(0);
  });
});
