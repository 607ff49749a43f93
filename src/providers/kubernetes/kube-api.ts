/**
 * The slice of the Kubernetes REST API the controller uses, in raw wire-format JSON: client-node's typed
 * clients turn core objects into model classes with Date fields, while the translator must see exactly
 * what the API server sent. Authentication and TLS come from client-node's KubeConfig (in-cluster
 * ServiceAccount token files are re-read per request, so rotated tokens keep working); watch streams use
 * client-node's Watch.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { createHash } from 'node:crypto';
import { KubeConfig, Watch } from '@kubernetes/client-node';

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** 410 Gone: the resourceVersion we resume from was compacted away; re-list. */
export function isGone(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 410;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  /** Resolves when the server ends the stream normally; rejects on errors (KubeApiError for HTTP errors). */
  done: Promise<void>;
  abort(): void;
}

export function loadKubeConfig(kubeconfigPath: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath) {
    try {
      kc.loadFromFile(kubeconfigPath);
    } catch (err) {
      throw new Error(`kubeconfig ${kubeconfigPath}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  } else kc.loadFromCluster();
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error(kubeconfigPath ? `no current cluster in kubeconfig ${kubeconfigPath}` : 'no in-cluster configuration');
  try {
    new URL(server);
  } catch {
    // loadFromCluster builds "https://undefined:undefined" outside a Pod.
    throw new Error(kubeconfigPath ? `kubeconfig ${kubeconfigPath}: invalid server "${server}"` : 'not running in a Kubernetes Pod (no service host/port): pass --kubeconfig (KUBECONFIG)');
  }
  return kc;
}

/** The TLS material of a request, as one key: requests with the same key can share connections. */
function tlsKey(opts: https.RequestOptions): string {
  const hash = createHash('sha256');
  for (const part of [opts.ca, opts.cert, opts.key, opts.pfx]) hash.update(part === undefined ? '-' : Array.isArray(part) ? part.join('\n') : (part as string | Buffer)).update('\0');
  return `${hash.digest('base64')}/${String(opts.rejectUnauthorized)}/${opts.servername ?? ''}`;
}

export class KubeApi {
  private readonly watcher: Watch;
  /**
   * Keep-alive agents for API requests. client-node's applyToHTTPSOptions builds a new Agent per call,
   * which made every status write a fresh TLS handshake (a new SecureContext on our side, a handshake on
   * the API server's): ~15% of the controller's CPU with thousands of routes. One agent per TLS
   * identity keeps connections open; rotated certificates get a new agent.
   */
  private readonly agents = new Map<string, https.Agent>();
  private readonly plainAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  constructor(readonly kubeConfig: KubeConfig) {
    this.watcher = new Watch(kubeConfig);
  }

  get server(): string {
    return this.kubeConfig.getCurrentCluster()!.server;
  }

  /** One JSON request. Throws KubeApiError on a non-2xx answer. */
  async request<T = any>(method: string, path: string, options: { query?: Record<string, string | undefined>; body?: unknown; contentType?: string; signal?: AbortSignal } = {}): Promise<T> {
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const opts: https.RequestOptions = { method, headers: { accept: 'application/json' } };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    if (payload) Object.assign(opts.headers!, { 'content-type': options.contentType ?? 'application/json', 'content-length': String(payload.length) });
    const transport = url.protocol === 'http:' ? http : https;
    opts.agent = url.protocol === 'http:' ? this.plainAgent : this.agentFor(opts);
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(url, { ...opts, signal: options.signal, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: any;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(body as T);
          reject(new KubeApiError(status, body?.reason ?? '', `${method} ${path}: ${status} ${body?.message ?? text.slice(0, 300)}`));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  private agentFor(opts: https.RequestOptions): https.Agent {
    const key = tlsKey(opts);
    let agent = this.agents.get(key);
    if (!agent) {
      for (const old of this.agents.values()) old.destroy(); // material rotated: the old identity is done
      this.agents.clear();
      agent = new https.Agent({
        keepAlive: true,
        maxSockets: 16,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        pfx: opts.pfx,
        passphrase: opts.passphrase,
        servername: opts.servername,
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Closes kept-alive API connections (shutdown). */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    this.plainAgent.destroy();
  }

  /**
   * Streams watch events of a collection. ERROR events carrying a Status become a rejection
   * (KubeApiError with the Status code, e.g. 410), so callers handle them like HTTP errors.
   */
  watch(path: string, query: Record<string, string | undefined>, onEvent: (type: WatchEventType, object: any) => void): WatchHandle {
    let controller: AbortController | undefined;
    let aborted = false;
    let settle!: (err?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      let settled = false;
      settle = (err?: unknown) => {
        if (settled) return;
        settled = true;
        controller?.abort();
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve();
      };
    });
    const handle = (type: string, object: any) => {
      if (type === 'ERROR') {
        const code = typeof object?.code === 'number' ? object.code : 500;
        settle(new KubeApiError(code, object?.reason ?? '', `watch ${path}: ${object?.message ?? 'error event'}`));
        return;
      }
      try {
        onEvent(type as WatchEventType, object);
      } catch (err) {
        settle(err);
      }
    };
    this.watcher
      .watch(path, query, handle, (err: any) => {
        if (err && aborted) return settle();
        if (err?.statusCode) return settle(new KubeApiError(err.statusCode, '', `watch ${path}: ${err.statusCode} ${err.message}`));
        settle(err ?? undefined);
      })
      .then((c) => {
        controller = c;
        if (aborted) c.abort();
      }, settle);
    return {
      done,
      abort: () => {
        aborted = true;
        controller?.abort();
        settle();
      },
    };
  }
}
