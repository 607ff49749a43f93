/**
 * Where the engine's catch-alls sit on the per-request path. Each one keeps a bug (or something node
 * refuses) to one failed request instead of a dead process; the hook makes it seen (a metric, a log)
 * rather than a silent 500.
 */
export type InternalErrorSite =
  /** handling a request threw (listener-slot.ts): the client got 500, or a cut response */
  | 'request'
  /** handling an upgrade threw (listener-slot.ts): the client got 500 on the raw socket */
  | 'upgrade'
  /** node refused to build the upstream request (forwarder.ts): the client got 500 */
  | 'upstream-request';

export const INTERNAL_ERROR_SITES: readonly InternalErrorSite[] = ['request', 'upgrade', 'upstream-request'];

export type InternalErrorHook = (site: InternalErrorSite, err: unknown) => void;

/** Calls the hook from inside a catch block: a hook that throws must not undo the catch-all. */
export function reportInternalError(hook: InternalErrorHook | undefined, site: InternalErrorSite, err: unknown): void {
  if (hook === undefined) return;
  try {
    hook(site, err);
  } catch {
    // Nothing left to tell: the hook was the way to tell.
  }
}
