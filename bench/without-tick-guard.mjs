// `node --import ./bench/without-tick-guard.mjs dist/main.js ...`: serval with the nextTick shape guard
// (src/process/tick-object-shape.ts) swapped for a module that holds nothing, so the bench can put the
// same build with and without it side by side. Traffic workers inherit the flag (cluster forks with
// execArgv). For the bench only: nothing in src/ reads a switch for this.
import { registerHooks } from 'node:module';

const GUARD = '/dist/process/tick-object-shape.js';

registerHooks({
  load(url, context, nextLoad) {
    if (url.endsWith(GUARD)) return { format: 'module', source: 'export const tickObjectShape = undefined;\n', shortCircuit: true };
    return nextLoad(url, context);
  },
});
