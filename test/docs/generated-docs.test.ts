/**
 * The README's configuration reference and .env.example are generated from the settings schema.
 * This test fails when they drift; `UPDATE_DOCS=1 npx vitest run test/docs` rewrites them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envExample, settingsMarkdown } from '../../src/config/load-settings.js';

const BEGIN = '<!-- settings:begin (generated from src/config/settings.schema.ts) -->';
const END = '<!-- settings:end -->';
const update = process.env.UPDATE_DOCS === '1';

describe('generated docs', () => {
  it('README configuration reference matches the settings schema', () => {
    const readme = readFileSync('README.md', 'utf8');
    const start = readme.indexOf(BEGIN);
    const end = readme.indexOf(END);
    expect(start, 'README lacks the settings markers').toBeGreaterThan(-1);
    const current = readme.slice(start + BEGIN.length, end).trim();
    const wanted = settingsMarkdown();
    if (update && current !== wanted) {
      writeFileSync('README.md', `${readme.slice(0, start + BEGIN.length)}\n${wanted}\n${readme.slice(end)}`);
      return;
    }
    expect(current).toBe(wanted);
  });

  it('.env.example lists every variable', () => {
    const wanted = envExample();
    if (update) writeFileSync('.env.example', wanted);
    expect(readFileSync('.env.example', 'utf8')).toBe(wanted);
  });
});
