import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/contract/config-version.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and otherwise writes what JSON.stringify writes', () => {
    const value = { b: [3, { z: 1, a: 'x"y' }, null], a: { d: true, c: 1.5 }, e: 'é\n' };
    expect(canonicalJson(value)).toBe('{"a":{"c":1.5,"d":true},"b":[3,{"a":"x\\"y","z":1},null],"e":"é\\n"}');
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  it('drops undefined object fields and writes undefined array items as null, like JSON.stringify', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
    expect(canonicalJson({ t: new Date(0) })).toBe(JSON.stringify({ t: new Date(0) }));
  });
});
