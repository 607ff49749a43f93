import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC compiles the decorators (with metadata) that Nest's DI needs; esbuild cannot emit decorator metadata.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/k8s/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The identity rule: snapshots and accepted configs are deep-frozen, so an in-place edit throws (src/contract/freeze.ts).
    env: { SERVAL_FREEZE_INPUTS: '1' },
  },
});
