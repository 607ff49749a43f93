/**
 * Budgets for property-based tests in `npm test`: a fixed seed (so a run reproduces, and fast-check
 * prints it with the counterexample's path on failure), a number of runs, and a time limit after which
 * the property stops early and passes with the runs it made (the machine may be loaded).
 *
 * Fuzz longer or differently without editing a test: FUZZ_SEED=<n> FUZZ_RUNS=<n> FUZZ_TIME_MS=<n>.
 */
import type { Parameters } from 'fast-check';

const env = (name: string): number | undefined => {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? undefined : Number(raw);
};

export function fuzzBudget<T>(numRuns: number, timeLimitMs: number): Parameters<T> {
  return {
    seed: env('FUZZ_SEED') ?? 20261204,
    numRuns: env('FUZZ_RUNS') ?? numRuns,
    interruptAfterTimeLimit: env('FUZZ_TIME_MS') ?? timeLimitMs,
  };
}
