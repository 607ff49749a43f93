#!/usr/bin/env node
/**
 * serval <router|controller|standalone> [flags]: one entry, three modes.
 * Settings are validated here, before anything starts, so a bad value fails fast with a clear message.
 */
// First: it holds V8 shapes that a full GC must not collect (see the module).
import './process/tick-object-shape.js';
import 'reflect-metadata';
import { helpText, parseCli, SettingsError } from './config/load-settings.js';
import type { Settings } from './config/settings.schema.js';

async function runMode(settings: Settings): Promise<void> {
  switch (settings.mode) {
    case 'router':
      return (await import('./modes/router.main.js')).runRouter(settings);
    case 'controller':
      return (await import('./modes/controller.main.js')).runController(settings);
    case 'standalone':
      return (await import('./modes/standalone.main.js')).runStandalone(settings);
  }
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseCli(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`serval: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${helpText(parsed.mode)}\n`);
    return;
  }
  await runMode(parsed.settings);
}

main().catch((err: unknown) => {
  process.stderr.write(`serval: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
