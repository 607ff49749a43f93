/**
 * Timeouts that share one duration, without a node timer per item: items of one duration expire in
 * the order they were added, so the list is a FIFO and one timer armed for its head serves them all.
 * The list is intrusive (the item carries its own links), so add and cancel are O(1) and allocate
 * nothing; a cancelled item is unlinked at once, so nothing piles up and nothing is kept alive.
 *
 * Resolution: an item expires at the first timer tick at or after add time + durationMs (node timers
 * fire in whole milliseconds, so up to ~1 ms late, plus event-loop lag as with setTimeout).
 * The timer is unref'd: pending timeouts alone do not keep a process alive (their sockets do).
 */

/** Fields a list item carries; initialize them to undefined / 0 on the item. */
export interface TimeoutNode {
  tlList: TimeoutList<TimeoutNode> | undefined;
  tlPrev: TimeoutNode | undefined;
  tlNext: TimeoutNode | undefined;
  tlDeadline: number;
}

export class TimeoutList<T extends TimeoutNode> {
  private head: T | undefined = undefined;
  private tail: T | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    readonly durationMs: number,
    private readonly onExpire: (item: T) => void,
  ) {}

  get empty(): boolean {
    return this.head === undefined;
  }

  /** Starts item's timeout; it must not be in a list already. */
  add(item: T, now: number): void {
    item.tlList = this as unknown as TimeoutList<TimeoutNode>;
    item.tlDeadline = now + this.durationMs;
    item.tlNext = undefined;
    item.tlPrev = this.tail;
    if (this.tail === undefined) this.head = item;
    else this.tail.tlNext = item;
    this.tail = item;
    // Armed timers fire no later than any deadline already in the list, so only a bare list needs one.
    if (this.timer === undefined) this.arm(item.tlDeadline, now);
  }

  /** Cancels item's timeout when it is in a list (any list: callers need not know which). */
  static cancel(item: TimeoutNode): void {
    const list = item.tlList;
    if (list !== undefined) list.remove(item);
  }

  private remove(item: TimeoutNode): void {
    const prev = item.tlPrev as T | undefined;
    const next = item.tlNext as T | undefined;
    if (prev === undefined) this.head = next;
    else prev.tlNext = next;
    if (next === undefined) this.tail = prev;
    else next.tlPrev = prev;
    item.tlList = undefined;
    item.tlPrev = undefined;
    item.tlNext = undefined;
    // The timer stays armed even when the list empties: clearing and re-arming it per request is the
    // cost this list exists to avoid. A stale tick finds nothing due and re-arms for the new head.
  }

  private arm(deadline: number, now: number): void {
    this.timer = setTimeout(onTick, Math.max(1, Math.ceil(deadline - now)), this as unknown as TimeoutList<TimeoutNode>);
    this.timer.unref();
  }

  /** Expires every due item from the head, then re-arms for the next one. */
  tick(): void {
    this.timer = undefined;
    const now = performance.now();
    let item = this.head;
    while (item !== undefined && item.tlDeadline <= now) {
      this.remove(item);
      // onExpire may add or cancel items (a retry, a timed-out sibling): read the head again.
      this.onExpire(item);
      item = this.head;
    }
    if (item !== undefined && this.timer === undefined) this.arm(item.tlDeadline, now);
  }

  /** Stops the timer (items stay in the list). */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function onTick(list: TimeoutList<TimeoutNode>): void {
  list.tick();
}
