#!/usr/bin/env node
// RegularExpression matcher micro-benchmark (npm run bench runs it first; alone: npm run build &&
// node bench/regex-bench.mjs). The same patterns and inputs through the router's matcher (RE2 via
// re2js, dist/contract/regex.js) and through what it replaced, JavaScript's RegExp as
// `^(?:pattern)$`; ns per match, median of BENCH_REGEX_ROUNDS (5) interleaved rounds, and the
// ratio taken within each round. Then the hostile case: `(a+)+$` on "a…a!" doubles per `a` in
// RegExp and stays linear in RE2.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { compileRegex } = await import(pathToFileURL(join(ROOT, 'dist/contract/regex.js')).href);
const ROUNDS = Math.max(1, Number(process.env.BENCH_REGEX_ROUNDS ?? 5));

const CASES = [
  ['path, API version + id (hit)', '^/v2/[a-z]+/\\d+$', '/v2/users/12345'],
  ['path, API version + id (miss)', '^/v2/[a-z]+/\\d+$', '/v2/users/abc'],
  ['path, unanchored', '/v[0-9]+/items', '/v12/items'],
  ['path, UUID', '/api/v[0-9]+/(users|orders)/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '/api/v2/orders/123e4567-e89b-12d3-a456-426614174000'],
  ['path, static suffix', '.*/static/.*\\.(css|js|png)', '/app/assets/static/img/logo.png'],
  ['header, user agent', '.*Chrome/[0-9.]+.*', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Safari/537.36'],
  ['query, hex id', '[0-9a-f]{8}', 'deadbeef'],
];

/** ns per call of fn(input), timed over enough calls to take ~`ms` milliseconds. */
function nsPerCall(fn, input, ms = 150) {
  let n = 1;
  for (;;) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(input);
    const elapsed = Number(process.hrtime.bigint() - t) / 1e6;
    if (elapsed >= ms) return (elapsed * 1e6) / n;
    n *= elapsed < ms / 10 ? 10 : 2;
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(1)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} us` : `${ns.toFixed(0)} ns`);

console.log(`\nRegularExpression matcher: ns per match, RE2 (re2js) vs JavaScript RegExp, median of ${ROUNDS} rounds`);
console.log(`${'case'.padEnd(34)} ${'input'.padStart(5)} ${'RegExp'.padStart(10)} ${'RE2'.padStart(10)} ${'RE2/RegExp'.padStart(11)}`);
const ratios = [];
for (const [name, pattern, input] of CASES) {
  const js = new RegExp(`^(?:${pattern})$`);
  const re2 = compileRegex(pattern);
  if (js.test(input) !== re2.test(input)) throw new Error(`${name}: RegExp and RE2 disagree on ${input}`);
  const jsNs = [];
  const re2Ns = [];
  const ratio = [];
  for (let r = 0; r < ROUNDS; r++) {
    const a = nsPerCall((s) => js.test(s), input);
    const b = nsPerCall((s) => re2.test(s), input);
    jsNs.push(a);
    re2Ns.push(b);
    ratio.push(b / a);
  }
  ratios.push(median(ratio));
  console.log(`${name.padEnd(34)} ${String(input.length).padStart(5)} ${fmt(median(jsNs)).padStart(10)} ${fmt(median(re2Ns)).padStart(10)} ${`${median(ratio).toFixed(1)}x`.padStart(11)}`);
}
const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
console.log(`geometric mean RE2/RegExp: ${geo.toFixed(1)}x`);

console.log('\nHostile: `/redos/(a+)+$` on "/redos/" + n x "a" + "!" (no match), one call each');
console.log(`${'n'.padStart(6)} ${'RegExp'.padStart(10)} ${'RE2'.padStart(10)}`);
const hostileJs = new RegExp('^(?:/redos/(a+)+$)$');
const hostileRe2 = compileRegex('/redos/(a+)+$');
for (const n of [16, 18, 20, 22, 24, 1_000, 16_000]) {
  const input = `/redos/${'a'.repeat(n)}!`;
  // RegExp only while it ends in well under a second: each `a` doubles its time.
  const jsNs = n <= 24 ? nsPerCall((s) => hostileJs.test(s), input, 20) : undefined;
  const re2Ns = nsPerCall((s) => hostileRe2.test(s), input, 20);
  console.log(`${String(n).padStart(6)} ${(jsNs === undefined ? 'hours+' : fmt(jsNs)).padStart(10)} ${fmt(re2Ns).padStart(10)}`);
}
