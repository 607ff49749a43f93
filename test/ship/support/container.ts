/**
 * Runs a command the way the image would: in a network namespace of its own (so the image's fixed
 * ports 8080/9901/3000 cannot collide with anything on this machine; it outlives the process like a
 * pod sandbox, so "nothing answers any more" can be checked) as the image's unprivileged user, with
 * only the image's environment. Needs root; without it the caller skips.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

export const IMAGE_UID = 1000; // USER node in node:*-slim images

/** Why containers cannot run here, or undefined when they can. */
export function containerSkipReason(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux network namespaces, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'needs root (ip netns, setpriv)';
  try {
    execFileSync('sh', ['-c', 'command -v ip && command -v setpriv'], { stdio: 'ignore' });
  } catch {
    return 'needs ip (iproute2) and setpriv (util-linux)';
  }
  return undefined;
}

const AS_IMAGE_USER = ['setpriv', `--reuid=${IMAGE_UID}`, `--regid=${IMAGE_UID}`, '--clear-groups', '--'];

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Container {
  pid: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Runs a command inside the container's network, as its user, with its environment. */
  exec(argv: string[]): Promise<ExecResult>;
  /** GET from inside the container's network: status and body. */
  get(url: string, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  /** Any method, JSON body. */
  request(method: string, url: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  kill(signal: NodeJS.Signals): void;
  /** Kills what is left and deletes the network namespace. */
  remove(): void;
}

const NETNS_PREFIX = 'serval-ship-';
let counter = 0;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

/** Namespaces left by test processes that died without cleaning up. */
function removeStaleNamespaces(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0];
    const owner = Number(name.startsWith(NETNS_PREFIX) ? name.slice(NETNS_PREFIX.length).split('-')[0] : NaN);
    if (!owner) continue;
    try {
      process.kill(owner, 0);
    } catch {
      try {
        ip('netns', 'delete', name);
      } catch {
        // someone else removed it
      }
    }
  }
}

function collect(child: ChildProcess): Promise<ExecResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export function startContainer(argv: string[], opts: { cwd: string; env: Record<string, string> }): Container {
  removeStaleNamespaces();
  const netns = `${NETNS_PREFIX}${process.pid}-${++counter}`;
  ip('netns', 'add', netns);
  ip('-n', netns, 'link', 'set', 'lo', 'up');
  // `ip netns exec` and setpriv both exec: the pid is serval's, and so are the signals.
  const inside = (command: string[]) => ['netns', 'exec', netns, ...AS_IMAGE_USER, ...command];
  const child = spawn('ip', inside(argv), { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const pid = child.pid!;

  const exec = (command: string[]): Promise<ExecResult> =>
    collect(spawn('ip', inside(command), { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] }));

  const request = async (method: string, url: string, body: unknown, headers: Record<string, string> = {}) => {
    const script = `
      const [method, url, headers, body] = JSON.parse(process.argv[1]);
      const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(20000) });
      process.stdout.write(JSON.stringify({ status: res.status, body: await res.text() }));`;
    const init = [method, url, body === undefined ? headers : { 'content-type': 'application/json', ...headers }, body === undefined ? undefined : JSON.stringify(body)];
    const r = await exec([process.execPath, '--input-type=module', '-e', script, JSON.stringify(init)]);
    if (r.code !== 0) throw new Error(`${method} ${url} inside the container failed: ${r.stderr.trim().split('\n').at(-1)}`);
    return JSON.parse(r.stdout) as { status: number; body: string };
  };

  return {
    pid,
    output: () => output,
    exited,
    exec,
    get: (url, headers) => request('GET', url, undefined, headers),
    request,
    kill: (signal) => child.kill(signal),
    remove: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      try {
        ip('netns', 'delete', netns);
      } catch {
        // already gone
      }
    },
  };
}
