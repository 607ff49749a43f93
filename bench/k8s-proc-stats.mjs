// Resident memory and CPU time of a process and its descendants, from /proc
// (the router is a node:cluster primary with worker children).
import { readdirSync, readFileSync } from 'node:fs';

const PAGE_SIZE = 4096;
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces). */
function statFields(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** pid and all its live descendants. */
export function processTree(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(statFields(name)[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    tree.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return tree;
}

/** { rssBytes, cpuSeconds } summed over the process tree of pid (utime+stime, fields 14/15; rss field 24). */
export function treeUsage(pid) {
  let rssBytes = 0;
  let cpuSeconds = 0;
  for (const p of processTree(pid)) {
    try {
      const f = statFields(p); // f[0] is field 3 (state)
      cpuSeconds += (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
      rssBytes += Number(f[21]) * PAGE_SIZE;
    } catch {
      // exited meanwhile
    }
  }
  return { rssBytes, cpuSeconds };
}
