/**
 * Coalesces bursts of triggers into one run: the run starts after `quietMs` without a new trigger,
 * but never later than `maxWaitMs` after the first pending trigger (a steady stream of changes still
 * reconciles). Runs never overlap: a trigger during a run schedules exactly one more run after it.
 */
export interface CoalescerOptions {
  quietMs: number;
  maxWaitMs: number;
}

export class Coalescer {
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAt: number | undefined;
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
    const now = Date.now();
    this.firstPendingAt ??= now;
    const deadline = this.firstPendingAt + this.options.maxWaitMs;
    const delay = Math.max(0, Math.min(this.options.quietMs, deadline - now));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.fire(), delay);
  }

  /** Runs now if something is pending (or `force`), and waits for it. */
  async flush(force = false): Promise<void> {
    if (this.running) await this.running;
    if (this.timer || force) await this.fire();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves when no run is in progress or pending. */
  async idle(): Promise<void> {
    while (this.running || this.timer) {
      if (this.running) await this.running;
      else await new Promise((r) => setTimeout(r, this.options.quietMs || 1));
    }
  }

  private async fire(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.firstPendingAt = undefined;
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
