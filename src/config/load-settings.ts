/**
 * Turns argv + environment into validated Settings for one mode. Flags win over environment variables,
 * which win over defaults. Every bad value is reported at once, each with its flag and env name.
 */
import { Value } from '@sinclair/typebox/value';
import { SETTINGS, type Mode, type SettingKey, type Settings, type SettingSpec } from './settings.schema.js';

const MODES: readonly Mode[] = ['router', 'controller', 'standalone'];

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'SettingsError';
  }
}

export type ParsedCli = { kind: 'help'; mode?: Mode } | { kind: 'run'; settings: Settings };

function specs(mode: Mode): [SettingKey, SettingSpec][] {
  return (Object.entries(SETTINGS) as [SettingKey, SettingSpec][]).filter(([, s]) => s.modes.includes(mode));
}

function schemaType(spec: SettingSpec): string {
  const s = spec.schema as { type?: string; anyOf?: unknown[] };
  return s.type ?? (s.anyOf ? 'string' : 'string');
}

/** Environment and flag values are strings; turn them into what the schema expects. */
function coerce(raw: string | boolean, spec: SettingSpec): unknown {
  const type = schemaType(spec);
  if (type === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (['true', '1', 'yes', 'on', ''].includes(raw.toLowerCase())) return true;
    if (['false', '0', 'no', 'off'].includes(raw.toLowerCase())) return false;
    return raw;
  }
  if (type === 'integer' || type === 'number') {
    const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    return Number.isNaN(n) ? raw : n;
  }
  return raw;
}

function parseFlags(argv: string[], mode: Mode, known: Map<string, [SettingKey, SettingSpec]>, problems: string[]): Map<SettingKey, string | boolean> {
  const out = new Map<SettingKey, string | boolean>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument "${arg}"`);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const negated = name.startsWith('no-') && known.has(name.slice(3));
    const entry = known.get(negated ? name.slice(3) : name);
    if (!entry) {
      problems.push(`unknown flag --${name} for "serval ${mode}" (see serval ${mode} --help)`);
      continue;
    }
    const [key, spec] = entry;
    if (schemaType(spec) === 'boolean') {
      out.set(key, negated ? false : inline ?? true);
    } else if (inline !== undefined) {
      out.set(key, inline);
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      out.set(key, argv[++i]);
    } else {
      problems.push(`--${name} needs a value`);
    }
  }
  return out;
}

export function loadSettings(mode: Mode, argv: string[], env: NodeJS.ProcessEnv): Settings {
  const list = specs(mode);
  const problems: string[] = [];
  const flags = parseFlags(argv, mode, new Map(list.map(([k, s]) => [s.flag, [k, s]])), problems);
  const settings: Record<string, unknown> = { mode };
  for (const [key, spec] of list) {
    const fromFlag = flags.get(key);
    const fromEnv = env[spec.env];
    const raw = fromFlag ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined);
    if (raw === undefined) {
      settings[key] = spec.default;
      continue;
    }
    const value = coerce(raw, spec);
    if (!Value.Check(spec.schema, value)) {
      const shown = spec.secret ? '(hidden)' : JSON.stringify(raw);
      const reason = [...Value.Errors(spec.schema, value)].at(-1)?.message ?? 'invalid value';
      problems.push(`--${spec.flag} / ${spec.env} = ${shown}: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`);
      continue;
    }
    settings[key] = value;
  }
  if (problems.length) throw new SettingsError(problems);
  return settings as Settings;
}

export function parseCli(argv: string[], env: NodeJS.ProcessEnv): ParsedCli {
  const [first, ...rest] = argv;
  if (!first || first === '--help' || first === '-h' || first === 'help') return { kind: 'help' };
  if (!MODES.includes(first as Mode)) throw new SettingsError([`unknown command "${first}": use one of ${MODES.join(', ')}`]);
  const mode = first as Mode;
  if (rest.includes('--help') || rest.includes('-h')) return { kind: 'help', mode };
  return { kind: 'run', settings: loadSettings(mode, rest, env) };
}

function describeDefault(spec: SettingSpec): string {
  if (spec.secret || spec.default === undefined) return '';
  return ` (default: ${JSON.stringify(spec.default)})`;
}

export function helpText(mode?: Mode): string {
  const head = [
    'serval: Kubernetes Gateway API controller and router',
    '',
    'Usage: serval <router|controller|standalone> [flags]',
    '  router      data plane: listeners, proxy and the admin API (:9901)',
    '  controller  control plane: watches Kubernetes, pushes config to routers, writes status',
    '  standalone  file provider + translator + router in one process (no Kubernetes)',
    '',
  ];
  const modes = mode ? [mode] : MODES;
  const body = modes.flatMap((m) => [
    `Flags for "serval ${m}" (each also read from the environment variable shown):`,
    ...specs(m).map(([, s]) => `  --${s.flag.padEnd(26)} ${s.env.padEnd(28)} ${s.description}${describeDefault(s)}`),
    '',
  ]);
  return [...head, ...body].join('\n');
}

/** Markdown table for the README, generated from the same schema so the docs cannot drift. */
export function settingsMarkdown(): string {
  const rows = (Object.values(SETTINGS) as SettingSpec[]).map(
    (s) => `| \`--${s.flag}\` | \`${s.env}\` | ${s.modes.join(', ')} | ${s.secret || s.default === undefined ? '' : `\`${JSON.stringify(s.default)}\``} | ${s.description} |`,
  );
  return ['| flag | environment | modes | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** .env.example, generated from the same schema: every variable, commented out at its default. */
export function envExample(): string {
  const lines = ['# serval-gateway environment (each variable also has a --flag; see `serval <mode> --help`).', '# Generated from src/config/settings.schema.ts: run `UPDATE_DOCS=1 npx vitest run test/docs` after changing it.', ''];
  for (const s of Object.values(SETTINGS) as SettingSpec[]) {
    lines.push(`# ${s.description} [${s.modes.join(', ')}]`);
    const value = s.secret || s.default === undefined ? '' : String(s.default);
    lines.push(`# ${s.env}=${value}`, '');
  }
  return lines.join('\n');
}
