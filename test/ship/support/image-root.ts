/**
 * Lays out on disk what the final image stage contains, by following its COPY and RUN lines, so the
 * test runs the image's files and nothing else from the repository (a runtime read of src/ or of a
 * dev dependency would fail here as it would in the image). node_modules is hard-linked, not pruned:
 * that dev dependencies stay unused is checked separately, from the imports in dist/. Not a symlink:
 * the image's user (uid 1000) may not be allowed into the checkout (CI clones into a private folder).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { copies, last, only, type Stage } from './dockerfile.js';

export interface ImageRoot {
  /** WORKDIR of the final stage, laid out. */
  app: string;
  /** Holds the `serval` symlink (the image's /usr/local/bin). */
  bin: string;
}

/** The one RUN of the final stage this layout knows how to reproduce. */
export const FINAL_RUN = 'chmod +x dist/main.js && ln -s /app/dist/main.js /usr/local/bin/serval';

export function assembleImageRoot(opts: { repo: string; final: Stage; buildStage: string; builtDist: string; into: string }): ImageRoot {
  const workdir = last(opts.final, 'WORKDIR')?.args;
  if (workdir !== '/app') throw new Error(`final stage WORKDIR is ${workdir}; the layout assumes /app`);
  const app = join(opts.into, 'app');
  const bin = join(opts.into, 'bin');
  mkdirSync(app, { recursive: true });
  mkdirSync(bin, { recursive: true });

  for (const copy of copies(opts.final)) {
    for (const source of copy.sources) {
      const inImage = copy.from ? relative('/app', source) : source;
      if (copy.from && (copy.from !== opts.buildStage || inImage.startsWith('..'))) throw new Error(`COPY --from=${copy.from} ${source}: only ${opts.buildStage}:/app/* is reproduced`);
      const dest = resolve(app, copy.dest.endsWith('/') || copy.dest === '.' || copy.dest === './' ? join(copy.dest, inImage) : copy.dest);
      if (copy.from && inImage === 'dist') cpSync(opts.builtDist, dest, { recursive: true });
      else if (copy.from && inImage === 'node_modules') linkTree(join(opts.repo, 'node_modules'), dest);
      else if (existsSync(join(opts.repo, inImage))) cpSync(join(opts.repo, inImage), dest, { recursive: true });
      else throw new Error(`COPY ${source}: not in the repository`);
    }
  }
  for (const run of only(opts.final, 'RUN')) {
    if (run.args !== FINAL_RUN) throw new Error(`final stage RUN "${run.args}" is not reproduced by test/ship; teach image-root.ts about it`);
    chmodSync(join(app, 'dist/main.js'), 0o755);
    symlinkSync(join(app, 'dist/main.js'), join(bin, 'serval'));
  }
  return { app, bin };
}

/** A copy of a tree that costs no space: hard links (same filesystem), else a real copy. */
function linkTree(from: string, to: string): void {
  try {
    execFileSync('cp', ['-al', from, to], { stdio: 'ignore' });
  } catch {
    cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  }
}
