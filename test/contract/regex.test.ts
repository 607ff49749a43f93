/** RE2 RegularExpression matching: full-match semantics as before, RE2 syntax, bounded cost. */
import { describe, expect, test } from 'vitest';
import {
  compileRegex,
  DFA_BUDGET_BYTES,
  dfaBudgetOf,
  MAX_REGEX_INPUT,
  MAX_REGEX_PROGRAM,
  RegexError,
  regexProblem,
  withoutEdgeAnchors,
} from '../../src/contract/regex.js';

describe('matching keeps the semantics the router had', () => {
  test('a full match: the whole value, whatever anchors the pattern has or lacks', () => {
    const re = compileRegex('/v[0-9]+/items');
    expect(re.test('/v12/items')).toBe(true);
    expect(re.test('/v12/items/x')).toBe(false);
    expect(re.test('x/v12/items')).toBe(false);
    expect(compileRegex('^/v2/[a-z]+/\\d+$').test('/v2/users/42')).toBe(true);
    expect(compileRegex('a|b').test('ab')).toBe(false); // the alternation as a whole is anchored
    expect(compileRegex('a|b').test('b')).toBe(true);
  });

  test('edge anchors, dropped for speed, change nothing: the same answers as the RegExp full match it replaced', () => {
    const patterns = ['^a|b$', '^$', '^', '$', 'a\\$', 'x\\\\$', '^(a|b)$', 'a$|^b', '^a*$', '(^a)', '^/v2/[a-z]+/\\d+$', '[$]', '^\\^a'];
    const inputs = ['', 'a', 'b', 'ab', 'aa', 'a$', 'x\\', 'x\\$', '/v2/ab/1', '/v2/ab/x', '^', '$', '^a'];
    for (const pattern of patterns) {
      const js = new RegExp(`^(?:${pattern})$`);
      const re2 = compileRegex(pattern);
      for (const input of inputs) expect(re2.test(input), `${pattern} on ${JSON.stringify(input)}`).toBe(js.test(input));
    }
    expect(withoutEdgeAnchors('^/v2/[a-z]+/\\d+$')).toBe('/v2/[a-z]+/\\d+');
    expect(withoutEdgeAnchors('a\\$')).toBe('a\\$'); // an escaped dollar is a character
    expect(withoutEdgeAnchors('a\\\\$')).toBe('a\\\\');
    expect(withoutEdgeAnchors('^*')).toBe('^*'); // a repeated anchor stays as written
    expect(withoutEdgeAnchors('\\Qa$')).toBe('\\Qa$'); // quoted: "$" is a character
    expect(regexProblem('^(a$')).toBe('error parsing regexp: missing closing ): `^(a$`'); // RE2's words on the pattern as written
  });

  test('case-sensitive; $ is the end of the value, not of a line', () => {
    expect(compileRegex('abc').test('ABC')).toBe(false);
    expect(compileRegex('a$').test('a\n')).toBe(false);
    expect(compileRegex('a.c').test('a\nc')).toBe(false);
  });

  test('RE2 syntax JavaScript lacks: inline flags, Perl named groups, Unicode classes', () => {
    expect(compileRegex('(?i)chrome/.*').test('Chrome/120')).toBe(true);
    expect(compileRegex('(?P<id>[0-9]+)').test('42')).toBe(true);
    expect(compileRegex('\\pL+').test('héllo')).toBe(true);
  });

  test('a value longer than MAX_REGEX_INPUT never matches (the cost is linear in it)', () => {
    const re = compileRegex('a*');
    expect(re.test('a'.repeat(MAX_REGEX_INPUT))).toBe(true);
    expect(re.test('a'.repeat(MAX_REGEX_INPUT + 1))).toBe(false);
  });
});

describe('what RE2 cannot run in linear time is refused, with its reason', () => {
  test.each([
    ['^/redos/(a+)+\\1$', 'invalid escape sequence: `\\1`'],
    ['(?=a)a', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?<!a)b', 'invalid named capture: `(?<!a)b`'],
    ['a{1001}', 'invalid repeat count: `{1001}`'],
    ['(', 'missing closing ): `(`'],
  ])('%s', (pattern, reason) => {
    expect(() => compileRegex(pattern)).toThrow(RegexError);
    expect(regexProblem(pattern)).toBe(`error parsing regexp: ${reason}`);
  });

  test(`a program over ${MAX_REGEX_PROGRAM} instructions is refused: its per-character cost would be too`, () => {
    expect(regexProblem('[a-z]{150}')).toBeUndefined();
    expect(regexProblem('(\\pL|\\pN){100}')).toMatch(/^pattern too large: compiles to \d+ RE2 instructions, at most 200 allowed$/);
  });

  test('backtracking-catastrophic patterns RE2 accepts run in one pass', () => {
    for (const pattern of ['/redos/(a+)+$', '^/redos/(a|aa)+$', '(a|a?)+$', '(\\w+\\s?)*$']) {
      const re = compileRegex(pattern);
      // 2^60 steps for a backtracking engine: this test would never end.
      expect(re.test(`/redos/${'a'.repeat(60)}!`)).toBe(false);
    }
  });
});

test('each pattern that needs a DFA gets one held to DFA_BUDGET_BYTES (re2js defaults to 8 MiB)', () => {
  // If a re2js upgrade renames what regex.ts adjusts, this fails rather than the cap silently lapsing.
  expect(dfaBudgetOf(compileRegex('.*a.{15}b'))).toBe(DFA_BUDGET_BYTES);
  expect(dfaBudgetOf(compileRegex('(a|c)*a(a|c){12}'))).toBe(DFA_BUDGET_BYTES);
});
