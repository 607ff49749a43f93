/**
 * HTTP client of one router's admin API (POST /routes/update, PATCH /config, GET /config/version), on
 * Node's built-in fetch.
 * Retries follow the original design: 3 attempts, 100 ms doubling, capped at 5 s. A router that rejects
 * the document (4xx) is not retried: the same document would be rejected again.
 */
import type { ConfigDelta, RouterConfig } from '../../contract/router-config.schema.js';
import { backoffDelay, sleep, type BackoffPolicy } from '../../pipeline/backoff.js';

export const PUSH_ATTEMPTS = 3;
export const PUSH_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 5_000, factor: 2 };
/** One attempt may take this long: a router with many workers swaps on each before it answers. */
const REQUEST_TIMEOUT_MS = 15_000;

export class PushError extends Error {
  constructor(
    message: string,
    /** HTTP status the router answered, undefined when it could not be reached. */
    readonly status: number | undefined,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'PushError';
  }

  /** The router refused the document itself (not a transient failure). */
  get rejected(): boolean {
    return this.status !== undefined && this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

export interface PushResult {
  version: string;
  attempts: number;
}

export interface RouterAdminClientOptions {
  token?: string;
  attempts?: number;
  backoff?: BackoffPolicy;
  /** Called before every HTTP attempt (metrics). */
  onAttempt?: (url: string) => void;
}

function describeFailure(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}

/** The version a router reports: GET /config answers the live document, possibly wrapped. */
export function reportedVersion(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as { version?: unknown; config?: { version?: unknown } };
  if (typeof b.version === 'string') return b.version;
  if (typeof b.config?.version === 'string') return b.config.version;
  return undefined;
}

async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown; path?: unknown; reason?: unknown };
    const what = body.reason ?? body.message ?? body.error;
    if (what !== undefined) return `${typeof body.path === 'string' ? `${body.path}: ` : ''}${String(what)}`;
  } catch {
    // not JSON: show the text
  }
  return text.slice(0, 500) || res.statusText;
}

export class RouterAdminClient {
  private readonly attempts: number;
  private readonly backoff: BackoffPolicy;

  constructor(private readonly options: RouterAdminClientOptions = {}) {
    this.attempts = options.attempts ?? PUSH_ATTEMPTS;
    this.backoff = options.backoff ?? PUSH_BACKOFF;
  }

  private headers(json: boolean): Record<string, string> {
    return {
      ...(json ? { 'content-type': 'application/json' } : {}),
      ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
    };
  }

  /** POSTs the config to `${baseUrl}/routes/update`, retrying transient failures. Throws PushError. */
  push(baseUrl: string, config: RouterConfig, signal?: AbortSignal): Promise<PushResult> {
    return this.send(baseUrl, 'POST', 'routes/update', JSON.stringify(config), config.version, signal);
  }

  /**
   * PATCHes `${baseUrl}/config` with a delta on the version the router serves. Throws PushError; a
   * 412 means the router is not on delta.baseVersion (send the whole config instead).
   */
  pushDelta(baseUrl: string, delta: ConfigDelta, signal?: AbortSignal): Promise<PushResult> {
    return this.send(baseUrl, 'PATCH', 'config', JSON.stringify(delta), delta.version, signal);
  }

  private async send(baseUrl: string, method: string, path: string, body: string, version: string | undefined, signal?: AbortSignal): Promise<PushResult> {
    let last: PushError | undefined;
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) await sleep(backoffDelay(this.backoff, attempt - 1), signal);
      if (signal?.aborted) break;
      this.options.onAttempt?.(baseUrl);
      try {
        const res = await fetch(new URL(path, withSlash(baseUrl)), {
          method,
          headers: this.headers(true),
          body,
          signal: AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...(signal ? [signal] : [])]),
        });
        if (res.ok) {
          const answer = await res.json().catch(() => undefined);
          return { version: reportedVersion(answer) ?? version ?? '', attempts: attempt + 1 };
        }
        last = new PushError(`router answered ${res.status}: ${await errorText(res)}`, res.status, attempt + 1);
        if (last.rejected) throw last;
      } catch (err) {
        if (err instanceof PushError) throw err;
        last = new PushError(`router unreachable: ${describeFailure(err)}`, undefined, attempt + 1);
      }
    }
    throw last ?? new PushError('push aborted', undefined, 0);
  }

  /**
   * The config version the router serves, or undefined when it serves none. Throws when unreachable.
   * Asks GET /config/version; a router without it (404) is asked GET /config, the whole document.
   */
  async liveVersion(baseUrl: string, signal?: AbortSignal): Promise<string | undefined> {
    const small = await this.get(baseUrl, 'config/version', signal);
    if (small.status !== 404) return this.versionFrom(small);
    await small.body?.cancel();
    return this.versionFrom(await this.get(baseUrl, 'config', signal));
  }

  private get(baseUrl: string, path: string, signal?: AbortSignal): Promise<Response> {
    return fetch(new URL(path, withSlash(baseUrl)), {
      headers: this.headers(false),
      signal: AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...(signal ? [signal] : [])]),
    });
  }

  private async versionFrom(res: Response): Promise<string | undefined> {
    if (res.status === 404 || res.status === 503) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) throw new Error(`GET ${new URL(res.url).pathname} answered ${res.status}: ${await errorText(res)}`);
    return reportedVersion(await res.json());
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
