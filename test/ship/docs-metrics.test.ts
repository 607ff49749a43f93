/**
 * Every metric serval exports is documented in the README's metrics table, and the table lists
 * nothing the code no longer exports. Metric names are the quoted `serval_*` strings in src/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const REPO = new URL('../../', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function metricsInCode(): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles(join(REPO, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/['"`](serval_[a-z0-9_]+)/g)) names.add(m[1]);
  }
  return names;
}

function metricsInReadme(): Set<string> {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const table = /<!-- metrics:begin[^>]*-->([\s\S]*?)<!-- metrics:end -->/.exec(readme);
  if (!table) throw new Error('README.md has no <!-- metrics:begin --> ... <!-- metrics:end --> table');
  return new Set([...table[1].matchAll(/^\| `(serval_[a-z0-9_]+)` \|/gm)].map((m) => m[1]));
}

test('every serval_* metric in src/ has a row in the README metrics table, and every row still exists', () => {
  const code = metricsInCode();
  const docs = metricsInReadme();
  expect(code.size).toBeGreaterThan(10);
  expect([...code].filter((n) => !docs.has(n)).sort(), 'exported but not documented').toEqual([]);
  expect([...docs].filter((n) => !code.has(n)).sort(), 'documented but not exported').toEqual([]);
});
