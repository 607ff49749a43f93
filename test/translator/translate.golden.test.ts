/**
 * Table-driven golden tests: every testdata/<case>.in.yaml is translated and compared with
 * <case>.out.yaml. Regenerate with `UPDATE_GOLDEN=1 npx vitest run test/translator` and review the diff.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRouterConfig } from '../../src/contract/validate-config.js';
import { translate } from '../../src/translator/translate.js';
import type { ResourceSnapshot } from '../../src/translator/translator.types.js';
import { loadCase, renderResult, shuffled } from './golden.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'testdata');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.in.yaml'))
  .map((f) => f.slice(0, -'.in.yaml'.length))
  .sort();
const update = process.env.UPDATE_GOLDEN === '1';

describe('translator golden files', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(0));

  for (const name of cases) {
    it(name, () => {
      const { snapshot, options } = loadCase(join(dir, `${name}.in.yaml`));
      const before = JSON.stringify(snapshot);
      const result = translate(snapshot, options);
      expect(JSON.stringify(snapshot), 'translate must not modify its input').toBe(before);

      // Every produced config must pass the router's own door.
      expect(() => parseRouterConfig(structuredClone(result.config))).not.toThrow();

      // Same input in any order gives byte-identical output.
      const first = JSON.stringify(result);
      expect(JSON.stringify(translate(snapshot, options))).toBe(first);
      const reordered = Object.fromEntries(
        Object.entries(snapshot).map(([k, list], i) => [k, shuffled(list, 7 + i)]),
      ) as unknown as ResourceSnapshot;
      expect(JSON.stringify(translate(reordered, options))).toBe(first);

      const outPath = join(dir, `${name}.out.yaml`);
      const rendered = renderResult(result);
      if (update) writeFileSync(outPath, rendered);
      expect(existsSync(outPath), `${name}.out.yaml is missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(rendered).toBe(readFileSync(outPath, 'utf8'));
    });
  }
});

describe('golden fixtures are what the API server would store', () => {
  it('refuses a fixture with a misspelled field, naming file, line and field', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'serval-golden-'));
    try {
      const text = readFileSync(join(dir, 'basic-route.in.yaml'), 'utf8').replace('backendRefs:', 'backendRef:');
      writeFileSync(join(tmp, 'typo.in.yaml'), text);
      expect(() => loadCase(join(tmp, 'typo.in.yaml'))).toThrow(/typo\.in\.yaml:\d+: HTTPRoute \S+: the API server would refuse it: spec\.rules\[0\]\.backendRef: unknown field/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  // The API server (and standalone) apply the CRD defaults before the translator sees an object; the
  // translator's own defaulting of absent fields must come to the same routes.
  for (const name of cases) {
    it(`${name}: same config with the CRD defaults applied`, () => {
      const plain = loadCase(join(dir, `${name}.in.yaml`));
      const stored = loadCase(join(dir, `${name}.in.yaml`), { defaults: true });
      expect(JSON.stringify(translate(stored.snapshot, stored.options).config)).toBe(JSON.stringify(translate(plain.snapshot, plain.options).config));
    });
  }
});
