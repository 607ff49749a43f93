// Runs once before the k8s tier: says loudly if the tier is skipped, else
// makes sure the cached binaries exist (a cold build prints progress and can
// take many minutes; doing it here keeps it out of test/hook timeouts).
import type { TestProject } from 'vitest/node';
import { ensureBinaries } from './harness/paths.js';
import { k8sTierSkipReason } from './harness/preflight.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Empty when the k8s tier can run, else why it is skipped. */
    k8sSkipReason: string;
  }
}

export default function setup(project: TestProject): void {
  const reason = k8sTierSkipReason();
  if (reason) {
    console.warn(`[k8s tier] SKIPPED: ${reason}`);
  } else {
    ensureBinaries();
  }
  project.provide('k8sSkipReason', reason ?? '');
}
