// Child processes of the test cluster: each logs to its own file, dies with
// us even if we are SIGKILLed, and can print the tail of its log on failure.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
  tail(lines?: number): string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// Last line of defence when a test run dies without calling stop(): kill
// everything we started. (setpriv --pdeathsig covers a SIGKILLed runner.)
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      // Someone else (e.g. the standalone kubelet) handles this signal and
      // will exit cleanly; the 'exit' hook then catches what is left.
      if (process.listenerCount(signal) > 1) return;
      // exit() rather than re-raising the signal, so 'exit' hooks run (the
      // one above, and the kubelet's synchronous netns cleanup).
      process.exit(128 + osConstants.signals[signal]);
    };
    process.on(signal, handler);
  }
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Extra command prefix, e.g. ['ip', 'netns', 'exec', 'ns'] (runs after setpriv). */
  wrapper?: string[];
}

export function startProcess(opts: StartOptions): ManagedProcess {
  installExitHook();
  const fd = openSync(opts.logFile, 'a');
  // setpriv --pdeathsig: the kernel SIGKILLs the child when the spawning
  // thread dies (Node spawns from the main thread; run vitest with pool
  // "forks", not "threads"), so a crashed or killed test run cannot leave an apiserver behind.
  // The death signal survives the exec of `ip netns exec` and of the binary.
  const argv = [...(opts.wrapper ?? []), opts.command, ...opts.args];
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...argv], {
    stdio: ['ignore', fd, fd],
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  });
  closeSync(fd);
  live.add(child);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (err) => {
      live.delete(child);
      resolve(`spawn error: ${err.message}`);
    });
  });
  let running = true;
  void exited.then(() => (running = false));
  return {
    name: opts.name,
    pid: child.pid ?? -1,
    logFile: opts.logFile,
    exited,
    isRunning: () => running,
    async stop(graceMs = 5000) {
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    tail: (lines = 40) => tailFile(opts.logFile, lines),
  };
}

export function tailFile(file: string, lines = 40): string {
  if (!existsSync(file)) return `(no log file ${file})`;
  return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
}
