// Loads the TypeScript test-cluster harness (test/k8s/harness) and the serval
// stack starter (test/conformance/serval-stack.ts) into a .mjs benchmark:
// Node strips types but runs no decorators (src/ has them), so they are compiled with the repo's tsc into a
// temp dir under .cache/ first (node_modules resolve from the repo), as
// scripts/k8s-kubelet.sh and scripts/conformance.sh do.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Compiles the entries; returns { modules: { [entry]: namespace }, cleanup() }. */
export async function loadHarness(entries = ['test/k8s/harness/cluster.ts', 'test/conformance/serval-stack.ts']) {
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const out = mkdtempSync(join(ROOT, '.cache/k8s-bench.'));
  const cleanup = () => rmSync(out, { recursive: true, force: true });
  try {
    execFileSync(
      join(ROOT, 'node_modules/.bin/tsc'),
      ['--ignoreConfig', '--outDir', out, '--rootDir', ROOT, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023',
        '--skipLibCheck', '--types', 'node', '--esModuleInterop', ...entries.map((e) => join(ROOT, e))],
      { stdio: 'inherit', cwd: ROOT },
    );
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    // paths.ts finds hack/ and deploy/ relative to the repo, not to the compiled copy.
    process.env.SERVAL_REPO_ROOT = ROOT;
    const modules = {};
    for (const entry of entries) modules[entry] = await import(pathToFileURL(join(out, entry.replace(/\.ts$/, '.js'))).href);
    return { modules, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}
