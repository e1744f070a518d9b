import { execFileSync } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bridgeFiles } from './bridge-path';
import { decodeGroundTruth, encodeGroundTruth, GroundTruthDecodeError } from './label-codec';

const hasPython = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    console.warn('python3 not found: the Python side of the label codec is not checked');
    return false;
  }
})();

/** What the bridges' decode_sample makes of each value: {ok} or {error}. */
function decodeWithPython(values: readonly unknown[]): ({ ok: unknown } | { error: string })[] {
  const client = bridgeFiles('verl')[1]!;
  const script = `
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("client", ${JSON.stringify(client)})
client = importlib.util.module_from_spec(spec)
spec.loader.exec_module(client)
out = []
for value in json.load(sys.stdin):
    try:
        out.append({"ok": client.decode_sample(value)})
    except ValueError as error:
        out.append({"error": str(error)})
print(json.dumps(out))
`;
  return JSON.parse(
    execFileSync('python3', ['-c', script], { input: JSON.stringify(values), encoding: 'utf8' }),
  );
}

const label = fc.oneof(
  fc.constantFrom('happiness', 'anger', 'neutral', 'Überraschung', 'fear '),
  fc.string({ unit: 'grapheme' }),
);
const groundTruth = fc.record({
  labels: fc.array(label, { maxLength: 3 }),
  AUs: fc.array(
    fc.integer({ min: 1, max: 64 }).map((n) => `AU${n}`),
    { maxLength: 6 },
  ),
});

describe('label codec', () => {
  it('encodes compact JSON with labels then AUs', () => {
    expect(encodeGroundTruth({ AUs: ['AU6'], labels: ['happiness'] })).toBe(
      '{"labels":["happiness"],"AUs":["AU6"]}',
    );
    expect(encodeGroundTruth({})).toBe('{"labels":[],"AUs":[]}');
  });

  it('round-trips every sample', () => {
    fc.assert(
      fc.property(groundTruth, (truth) => {
        expect(decodeGroundTruth(encodeGroundTruth(truth))).toEqual(truth);
      }),
    );
  });

  it('reads bare labels, objects and nothing', () => {
    expect(decodeGroundTruth(' happiness ')).toEqual({ labels: ['happiness'], AUs: [] });
    expect(decodeGroundTruth('')).toEqual({ labels: [], AUs: [] });
    expect(decodeGroundTruth(null)).toEqual({ labels: [], AUs: [] });
    expect(decodeGroundTruth({ AUs: ['AU4'] })).toEqual({ labels: [], AUs: ['AU4'] });
  });

  it('refuses a malformed JSON ground truth instead of scoring it as a label', () => {
    expect(() => decodeGroundTruth('{"labels": ["a"]')).toThrow(GroundTruthDecodeError);
    expect(() => decodeGroundTruth('{"labels": "happiness"}')).toThrow(/"labels" must be a list of strings/);
    expect(() => decodeGroundTruth({ AUs: [4] })).toThrow(/"AUs" must be a list of strings/);
    expect(() => decodeGroundTruth(3)).toThrow(/string or an object/);
  });

  it.skipIf(!hasPython)('the bridges decode exactly what the codec encodes (python3)', () => {
    const truths = fc.sample(groundTruth, { numRuns: 200, seed: 13 });
    const decoded = decodeWithPython(truths.map((truth) => encodeGroundTruth(truth)));
    expect(decoded).toEqual(truths.map((truth) => ({ ok: truth })));
  });

  it.skipIf(!hasPython)('the bridges agree with the codec on edge cases and errors (python3)', () => {
    const values = [
      '',
      '  happiness ',
      null,
      '{"AUs":["AU4"]}',
      '{"labels":"x"}',
      '{bad',
      '[1]',
      { labels: ['a'] },
    ];
    const decoded = decodeWithPython(values);
    values.forEach((value, index) => {
      let expected: { ok: unknown } | { error: true };
      try {
        expected = { ok: decodeGroundTruth(value) };
      } catch {
        expected = { error: true };
      }
      const got = decoded[index]!;
      if ('error' in expected) expect(got).toHaveProperty('error');
      else expect(got).toEqual(expected);
    });
    expect(path.basename(bridgeFiles('verl')[1]!)).toBe('_facial_r1_client.py');
  });
});
