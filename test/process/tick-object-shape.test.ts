/**
 * The object src/process/tick-object-shape.ts holds must share its V8 map with node's nextTick
 * entries, or it keeps nothing alive. Checked in a child node with V8's natives syntax, after full
 * GCs. The guard holds an entry node made, so new keys follow by themselves (node 24 added one);
 * a node that no longer reports its entries to async_hooks (held: false), or whose new entries stop
 * getting the held map (sameMap: false: deprecated by V8, or built some other way), fails here.
 * Whether the guard still pays is bench/router-bench.mjs's side by side with and without it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const MODULE = join(ROOT, 'dist/process/tick-object-shape.js');

const probe = `
import { createHook } from 'node:async_hooks';
import { tickObjectShape } from ${JSON.stringify(MODULE)};
for (let i = 0; i < 3; i++) globalThis.gc();
let entry;
const hook = createHook({ init(_id, type, _trigger, resource) { if (type === 'TickObject') entry ??= resource; } }).enable();
process.nextTick(() => {});
hook.disable();
process.stdout.write(JSON.stringify({ held: tickObjectShape !== undefined, sameMap: %HaveSameMap(tickObjectShape ?? {}, entry) }));
`;

test('the held object has the same hidden class as a nextTick entry made after full GCs', async () => {
  expect(existsSync(MODULE), 'dist/process/tick-object-shape.js was not built').toBe(true);
  const { stdout } = await promisify(execFile)(process.execPath, ['--allow-natives-syntax', '--expose-gc', '--input-type=module', '-e', probe]);
  expect(JSON.parse(stdout)).toEqual({ held: true, sameMap: true });
});
