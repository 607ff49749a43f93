import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rbacObjects } from './deploy-rbac.js';
import { judge, parseGoTestOutput, parseReport, parseSkipFile, summaryLines, totalsLine } from './report.js';

const REPORT = `
apiVersion: gateway.networking.k8s.io/v1
kind: ConformanceReport
profiles:
- name: GATEWAY-HTTP
  core:
    result: failure
    statistics: { Failed: 1, Passed: 30, Skipped: 2 }
    failedTests: [HTTPRouteWeight]
    skippedTests: [HTTPRouteMatching, HTTPRouteHostnameIntersection]
  extended:
    result: success
    statistics: { Failed: 0, Passed: 12, Skipped: 3 }
    supportedFeatures: [HTTPRouteQueryParamMatching]
    unsupportedFeatures: [HTTPRouteCORS]
`;

const GO_OUTPUT = `=== RUN   TestConformance
    --- PASS: TestConformance/HTTPRouteSimpleSameNamespace (1.20s)
    --- FAIL: TestConformance/HTTPRouteWeight (30.00s)
        --- FAIL: TestConformance/HTTPRouteWeight/sub (3.00s)
    --- SKIP: TestConformance/HTTPRouteMatching (0.00s)
--- FAIL: TestConformance (120.00s)
`;

describe('skip file', () => {
  it('reads "ShortName: reason" lines and ignores comments', () => {
    expect(parseSkipFile('# header\n\nHTTPRouteWeight: weights not honoured yet\n  GatewayStaticAddresses : no pool\n')).toEqual([
      { test: 'HTTPRouteWeight', reason: 'weights not honoured yet' },
      { test: 'GatewayStaticAddresses', reason: 'no pool' },
    ]);
  });

  it('rejects a test without a reason and a test listed twice', () => {
    expect(() => parseSkipFile('HTTPRouteWeight\n')).toThrow(/line 1/);
    expect(() => parseSkipFile('A: x\nA: y\n')).toThrow(/twice/);
  });

  it('the committed skip file parses and gives a reason for every entry', () => {
    const entries = parseSkipFile(readFileSync('conformance/skip-tests.txt', 'utf8'));
    for (const e of entries) expect(e.reason.length).toBeGreaterThan(5);
  });
});

describe('report and go test output', () => {
  it('reads counts and test names per level', () => {
    const [p] = parseReport(REPORT);
    expect(p!.core).toMatchObject({ passed: 30, failed: 1, skipped: 2, failedTests: ['HTTPRouteWeight'] });
    expect(p!.extended).toMatchObject({ passed: 12, failed: 0, skipped: 3, unsupportedFeatures: ['HTTPRouteCORS'] });
    expect(summaryLines([p!])).toEqual(['GATEWAY-HTTP core 30 passed, 1 failed, 2 skipped; extended 12 passed, 0 failed, 3 skipped']);
    expect(totalsLine([p!])).toBe('conformance: 42 passed, 1 failed, 5 skipped');
  });

  it('reads top-level conformance test verdicts, not their subtests', () => {
    expect(parseGoTestOutput(GO_OUTPUT)).toEqual({
      passed: ['HTTPRouteSimpleSameNamespace'],
      failed: ['HTTPRouteWeight'],
      skipped: ['HTTPRouteMatching'],
      suiteFailed: true,
    });
  });
});

describe('verdict', () => {
  const profiles = parseReport(REPORT);
  const goTest = parseGoTestOutput(GO_OUTPUT);

  it('fails on a failed test that is not skip-listed', () => {
    const v = judge(profiles, goTest, []);
    expect(v.ok).toBe(false);
    expect(v.unexpectedFailures).toEqual(['HTTPRouteWeight']);
  });

  it('passes when every failure is skip-listed', () => {
    expect(judge(profiles, goTest, [{ test: 'HTTPRouteWeight', reason: 'r' }])).toEqual({ ok: true, unexpectedFailures: [], problems: [] });
  });

  it('fails when the suite never ran a test or failed in setup', () => {
    expect(judge([], { passed: [], failed: [], skipped: [], suiteFailed: true }, []).ok).toBe(false);
    const setupFailed = judge(profiles.map((p) => ({ ...p, core: { ...p.core, failedTests: [] } })), { passed: [], failed: [], skipped: [], suiteFailed: true }, []);
    expect(setupFailed.problems.join()).toMatch(/outside any conformance test/);
  });
});

describe('deploy RBAC', () => {
  it('takes the ServiceAccounts, RBAC and GatewayClass from deploy/, not the workloads', () => {
    const kinds = rbacObjects(readFileSync('deploy/serval-gateway.yaml', 'utf8')).map((o) => o.kind);
    expect(kinds).toContain('ClusterRole');
    expect(kinds).toContain('GatewayClass');
    expect(kinds).not.toContain('Deployment');
    expect(kinds).not.toContain('DaemonSet');
  });
});
