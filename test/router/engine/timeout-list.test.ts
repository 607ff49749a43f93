import { describe, expect, it } from 'vitest';
import { TimeoutList, type TimeoutNode } from '../../../src/router/engine/timeout-list.js';

class Item implements TimeoutNode {
  tlList: TimeoutList<TimeoutNode> | undefined = undefined;
  tlPrev: TimeoutNode | undefined = undefined;
  tlNext: TimeoutNode | undefined = undefined;
  tlDeadline = 0;
  expiredAt = 0;
  constructor(readonly name: string) {}
}

const waitFor = async (cond: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('TimeoutList', () => {
  it('expires items in start order, never before their duration', async () => {
    const fired: Item[] = [];
    const list = new TimeoutList<Item>(30, (i) => {
      i.expiredAt = performance.now();
      fired.push(i);
    });
    const a = new Item('a');
    const b = new Item('b');
    const startA = performance.now();
    list.add(a, startA);
    await new Promise((r) => setTimeout(r, 10));
    const startB = performance.now();
    list.add(b, startB);
    await waitFor(() => fired.length === 2);
    expect(fired.map((i) => i.name)).toEqual(['a', 'b']);
    expect(a.expiredAt - startA).toBeGreaterThanOrEqual(30);
    expect(b.expiredAt - startB).toBeGreaterThanOrEqual(30);
    expect(list.empty).toBe(true);
    expect(a.tlList).toBeUndefined();
  });

  it('cancel removes an item from anywhere in the list, and it never fires', async () => {
    const fired: string[] = [];
    const list = new TimeoutList<Item>(20, (i) => fired.push(i.name));
    const items = ['a', 'b', 'c', 'd'].map((n) => new Item(n));
    const now = performance.now();
    for (const i of items) list.add(i, now);
    TimeoutList.cancel(items[0]); // head
    TimeoutList.cancel(items[2]); // middle
    TimeoutList.cancel(items[2]); // twice: no-op
    expect(items[0].tlList).toBeUndefined();
    await waitFor(() => fired.length === 2);
    expect(fired).toEqual(['b', 'd']);
    expect(list.empty).toBe(true);
  });

  it('a stale timer (its head cancelled) still fires later items on time', async () => {
    const fired: Item[] = [];
    const list = new TimeoutList<Item>(40, (i) => {
      i.expiredAt = performance.now();
      fired.push(i);
    });
    const first = new Item('first');
    list.add(first, performance.now());
    TimeoutList.cancel(first);
    await new Promise((r) => setTimeout(r, 20));
    const late = new Item('late');
    const start = performance.now();
    list.add(late, start);
    await waitFor(() => fired.length === 1);
    expect(fired[0].name).toBe('late');
    expect(late.expiredAt - start).toBeGreaterThanOrEqual(40);
  });

  it('an item can be added again after it expired or was cancelled, and onExpire may add items', async () => {
    const fired: string[] = [];
    const list: TimeoutList<Item> = new TimeoutList<Item>(10, (i) => {
      fired.push(i.name);
      if (fired.length < 3) list.add(i, performance.now());
    });
    const a = new Item('a');
    list.add(a, performance.now());
    TimeoutList.cancel(a);
    list.add(a, performance.now());
    await waitFor(() => fired.length === 3);
    expect(fired).toEqual(['a', 'a', 'a']);
    expect(list.empty).toBe(true);
  });
});
