import { describe, expect, it } from 'vitest';
import { LogCheckpoints } from './pod-logs.js';

describe('pod log sinceTime', () => {
  it('serves from the size the file had at the last check before sinceTime', () => {
    const c = new LogCheckpoints();
    c.record('f', 0, 1000);
    c.record('f', 120, 1200);
    c.record('f', 120, 1400); // unchanged: no new checkpoint
    c.record('f', 300, 1600);
    expect(c.offsetSince('f', 900)).toBe(0);
    expect(c.offsetSince('f', 1300)).toBe(120);
    expect(c.offsetSince('f', 1500)).toBe(120);
    expect(c.offsetSince('f', 5000)).toBe(300);
    expect(c.offsetSince('unknown', 5000)).toBe(0);
  });
});
