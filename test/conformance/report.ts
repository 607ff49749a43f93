// Reading what the conformance suite left behind: the skip file we commit,
// the report it writes (-report-output) and its `go test -v` output. Pure
// functions, so the verdict logic is unit tested (report.test.ts).
import { parse } from 'yaml';

export interface SkipEntry {
  test: string;
  reason: string;
}

/**
 * conformance/skip-tests.txt: one test per line, `ShortName: reason`.
 * Blank lines and `#` comments are ignored; a line without a reason is an error
 * (every skipped test must say why).
 */
export function parseSkipFile(text: string): SkipEntry[] {
  const entries: SkipEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^([A-Za-z0-9]+)\s*:\s*(\S.*)$/.exec(line);
    if (!m) throw new Error(`skip file line ${i + 1}: expected "TestShortName: reason", got "${line}"`);
    entries.push({ test: m[1]!, reason: m[2]! });
  });
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.test)) throw new Error(`skip file: ${e.test} listed twice`);
    seen.add(e.test);
  }
  return entries;
}

export interface LevelCounts {
  passed: number;
  failed: number;
  skipped: number;
  failedTests: string[];
  skippedTests: string[];
}

export interface ProfileSummary {
  name: string;
  core: LevelCounts;
  extended: LevelCounts & { supportedFeatures: string[]; unsupportedFeatures: string[] };
}

function level(status: any): LevelCounts {
  const stats = status?.statistics ?? {};
  return {
    passed: Number(stats.Passed ?? 0),
    failed: Number(stats.Failed ?? 0),
    skipped: Number(stats.Skipped ?? 0),
    failedTests: [...(status?.failedTests ?? [])],
    skippedTests: [...(status?.skippedTests ?? [])],
  };
}

/** The profiles of a ConformanceReport (conformance/report.yaml). */
export function parseReport(yamlText: string): ProfileSummary[] {
  const report = parse(yamlText) as { profiles?: any[] } | null;
  return (report?.profiles ?? []).map((p) => ({
    name: String(p.name),
    core: level(p.core),
    extended: {
      ...level(p.extended),
      supportedFeatures: [...(p.extended?.supportedFeatures ?? [])],
      unsupportedFeatures: [...(p.extended?.unsupportedFeatures ?? [])],
    },
  }));
}

export interface GoTestResults {
  passed: string[];
  failed: string[];
  skipped: string[];
  /** The top-level TestConformance failed (setup, cleanup or any subtest). */
  suiteFailed: boolean;
}

/** Conformance test results (`--- PASS: TestConformance/<ShortName>`) from `go test -v` output. */
export function parseGoTestOutput(output: string): GoTestResults {
  const results: GoTestResults = { passed: [], failed: [], skipped: [], suiteFailed: false };
  const re = /^\s*--- (PASS|FAIL|SKIP): TestConformance(?:\/([^/\s]+))?\s/gm;
  for (const m of output.matchAll(re)) {
    const [, verdict, test] = m;
    if (!test) {
      if (verdict === 'FAIL') results.suiteFailed = true;
      continue;
    }
    (verdict === 'PASS' ? results.passed : verdict === 'FAIL' ? results.failed : results.skipped).push(test);
  }
  for (const list of [results.passed, results.failed, results.skipped]) list.sort();
  return results;
}

export interface Verdict {
  ok: boolean;
  /** Failed tests that are not in the skip file: these make the run fail. */
  unexpectedFailures: string[];
  problems: string[];
}

/**
 * The run passes when every failed test is listed in the skip file and the
 * suite itself ran (report written, core tests passed).
 */
export function judge(profiles: ProfileSummary[], goTest: GoTestResults, skip: SkipEntry[]): Verdict {
  const skipped = new Set(skip.map((s) => s.test));
  const failed = new Set<string>(goTest.failed);
  for (const p of profiles) for (const t of [...p.core.failedTests, ...p.extended.failedTests]) failed.add(t);
  const unexpectedFailures = [...failed].filter((t) => !skipped.has(t)).sort();
  const problems: string[] = [];
  if (profiles.length === 0) problems.push('the conformance report has no profiles (did the suite start?)');
  else if (profiles.every((p) => p.core.passed + p.extended.passed === 0)) problems.push('no test passed (suite setup failed?)');
  if (goTest.suiteFailed && failed.size === 0) problems.push('TestConformance failed outside any conformance test (setup or cleanup): see the log');
  if (unexpectedFailures.length) problems.push(`failed and not in conformance/skip-tests.txt: ${unexpectedFailures.join(', ')}`);
  return { ok: problems.length === 0, unexpectedFailures, problems };
}

/** One line per profile: `GATEWAY-HTTP core 33 passed, 0 failed, 0 skipped; extended ...`. */
export function summaryLines(profiles: ProfileSummary[]): string[] {
  const fmt = (c: LevelCounts) => `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;
  return profiles.map((p) => `${p.name} core ${fmt(p.core)}; extended ${fmt(p.extended)}`);
}

/** Totals over all profiles and levels, in the plain `N passed, N failed, N skipped` form CI reads. */
export function totalsLine(profiles: ProfileSummary[]): string {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const p of profiles) {
    for (const c of [p.core, p.extended]) {
      passed += c.passed;
      failed += c.failed;
      skipped += c.skipped;
    }
  }
  return `conformance: ${passed} passed, ${failed} failed, ${skipped} skipped`;
}
