/** The pino logger of the router's processes (JSON on stdout); Nest's admin logger shares its settings. */
import { pino, type Logger } from 'pino';
import type { Settings } from '../../config/settings.schema.js';

export function createProcessLogger(settings: Pick<Settings, 'logLevel'>, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level: settings.logLevel, base: { pid: process.pid, ...bindings } });
}
