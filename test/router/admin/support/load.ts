/** Keep-alive clients hammering a router listener until stopped, recording every failure. */
import http from 'node:http';
import { get } from './http.js';

export interface Load {
  readonly failures: string[];
  /** Successful responses by body. */
  readonly bodies: Map<string, number>;
  /** Requests finished so far. */
  readonly done: number;
  /** Resolves once `n` more requests finished (or the load stopped). */
  more(n: number): Promise<void>;
  stop(): Promise<void>;
}

/** `clients` keep-alive clients sending GET /client/<n> to `host`; a success is a 200 whose body `ok` accepts. */
export function startLoad(port: number, clients: number, ok: (body: string) => boolean, host = 'example.test'): Load {
  let stopped = false;
  let done = 0;
  const failures: string[] = [];
  const bodies = new Map<string, number>();

  async function client(n: number): Promise<void> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (!stopped) {
        try {
          const r = await get(port, `/client/${n}`, agent, host);
          if (r.status !== 200 || !ok(r.body)) failures.push(`${r.status} ${r.body}`);
          else bodies.set(r.body, (bodies.get(r.body) ?? 0) + 1);
        } catch (err) {
          failures.push(String(err));
        }
        done++;
      }
    } finally {
      agent.destroy();
    }
  }

  const running = Array.from({ length: clients }, (_, n) => client(n));
  return {
    failures,
    bodies,
    get done() {
      return done;
    },
    async more(n: number) {
      const target = done + n;
      while (done < target && !stopped) await new Promise((r) => setImmediate(r));
    },
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}
