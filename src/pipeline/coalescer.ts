/**
 * Coalesces bursts of triggers into one run: the run starts after `quietMs` without a new trigger,
 * but never later than `maxWaitMs` after the first pending trigger (a steady stream of changes still
 * reconciles). Runs never overlap: a trigger during a run schedules exactly one more run after it.
 *
 * With `leading`, the first trigger after a quiet spell runs on the next event-loop turn (triggers of
 * the same turn join it), and later ones wait until `maxWaitMs` after the previous run started: an
 * isolated change pays no window, a stream of them still runs at most once per `maxWaitMs`.
 */
export interface CoalescerOptions {
  quietMs: number;
  maxWaitMs: number;
  leading?: boolean;
}

export class Coalescer {
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private firstPendingAt: number | undefined;
  private lastStartedAt = -Infinity;
  private running: Promise<void> | undefined;
  private rerun = false;
  private closed = false;

  constructor(
    private readonly options: CoalescerOptions,
    private readonly run: () => Promise<void> | void,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  trigger(): void {
    if (this.closed) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    const now = performance.now();
    if (this.options.leading) {
      if (this.timer) return;
      const delay = this.lastStartedAt + this.options.maxWaitMs - now;
      this.timer = delay <= 0 ? setImmediate(() => void this.fire()) : setTimeout(() => void this.fire(), Math.ceil(delay));
      return;
    }
    this.firstPendingAt ??= now;
    const deadline = this.firstPendingAt + this.options.maxWaitMs;
    const delay = Math.max(0, Math.min(this.options.quietMs, deadline - now));
    this.cancelTimer();
    this.timer = setTimeout(() => void this.fire(), delay);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    if ('refresh' in this.timer) clearTimeout(this.timer); // a Timeout (an Immediate has no refresh)
    else clearImmediate(this.timer);
    this.timer = undefined;
  }

  /** Runs now if something is pending (or `force`), and waits for it. */
  async flush(force = false): Promise<void> {
    if (this.running) await this.running;
    if (this.timer || force) await this.fire();
  }

  close(): void {
    this.closed = true;
    this.cancelTimer();
  }

  /** Resolves when no run is in progress or pending. */
  async idle(): Promise<void> {
    while (this.running || this.timer) {
      if (this.running) await this.running;
      else await new Promise((r) => setTimeout(r, this.options.quietMs || 1));
    }
  }

  private async fire(): Promise<void> {
    this.cancelTimer();
    this.firstPendingAt = undefined;
    this.lastStartedAt = performance.now();
    const running = (async () => {
      try {
        await this.run();
      } catch (err) {
        this.onError(err);
      }
    })();
    this.running = running;
    await running;
    this.running = undefined;
    if (this.rerun && !this.closed) {
      this.rerun = false;
      this.trigger();
    }
  }
}
