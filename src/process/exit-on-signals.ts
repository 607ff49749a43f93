import type { Logger } from 'pino';

/**
 * SIGTERM/SIGINT -> `close()` once (a second signal does not restart it), then exit 0, or 1 if closing
 * failed. Every mode shuts down this way; what closing means (drain, release the lease) is the caller's.
 */
export function exitOnSignals(logger: Logger, what: { stopping: string; stopped: string; details?: object }, close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, ...what.details }, what.stopping);
    close().then(
      () => {
        logger.info(what.stopped);
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
