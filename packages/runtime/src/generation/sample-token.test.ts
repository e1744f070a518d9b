import { describe, expect, it } from 'vitest';
import { argMax, sampleToken } from './sample-token';
import { SeededRandom } from './seeded-random';

describe('SeededRandom', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const first = new SeededRandom(42);
    const second = new SeededRandom(42);
    const other = new SeededRandom(43);
    const a = Array.from({ length: 5 }, () => first.next());
    expect(Array.from({ length: 5 }, () => second.next())).toEqual(a);
    expect(Array.from({ length: 5 }, () => other.next())).not.toEqual(a);
    for (const value of a) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it('is roughly uniform', () => {
    const random = new SeededRandom(7);
    let sum = 0;
    for (let index = 0; index < 10000; index += 1) sum += random.next();
    expect(sum / 10000).toBeCloseTo(0.5, 1);
  });
});

describe('sampleToken', () => {
  const logits = Float32Array.from([0.1, 3, 2.9, -1, 0]);

  it('is arg max at temperature 0, lowest index on ties', () => {
    expect(sampleToken(logits, { temperature: 0, topK: 0, topP: 1 }, new SeededRandom(1))).toBe(1);
    expect(argMax([1, 5, 5])).toBe(1);
  });

  it('only draws from the top-k and top-p candidates', () => {
    const random = new SeededRandom(3);
    const seen = new Set<number>();
    for (let index = 0; index < 500; index += 1) {
      seen.add(sampleToken(logits, { temperature: 1, topK: 2, topP: 1 }, random));
    }
    expect([...seen].sort()).toEqual([1, 2]);
    for (let index = 0; index < 200; index += 1) {
      expect(sampleToken(logits, { temperature: 1, topK: 0, topP: 0.3 }, random)).toBe(1);
    }
  });

  it('is reproducible for a seed', () => {
    const draw = (seed: number) => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 20 }, () =>
        sampleToken(logits, { temperature: 1.5, topK: 0, topP: 1 }, random),
      );
    };
    expect(draw(11)).toEqual(draw(11));
  });
});

describe('sampleToken top-k selection', () => {
  it('keeps exactly the k largest, lower id first on ties, on a large vocabulary with many ties', () => {
    const size = 20_000;
    for (const seed of [1, 2, 3]) {
      const random = new SeededRandom(seed);
      // Quantised logits: many exact ties, at the top too.
      const logits = Float32Array.from({ length: size }, () => Math.round(random.next() * 40) / 4);
      for (const k of [1, 5, 50]) {
        const expected = Array.from({ length: size }, (_, index) => index)
          .sort((a, b) => (logits[b] as number) - (logits[a] as number) || a - b)
          .slice(0, k);
        // With k = 1 only the first maximum (lowest id) is a candidate.
        expect(sampleToken(logits, { temperature: 1, topK: 1, topP: 1 }, new SeededRandom(seed))).toBe(
          expected[0],
        );
        // A high temperature makes the k candidates nearly equally likely: the draws show them.
        const seen = new Set<number>();
        const draws = new SeededRandom(seed + 10);
        for (let draw = 0; draw < 400; draw += 1)
          seen.add(sampleToken(logits, { temperature: 1000, topK: k, topP: 1 }, draws));
        for (const id of seen) expect(expected).toContain(id);
        if (k <= 5) expect(seen.size).toBe(k);
      }
    }
  });

  it('draws the same as a full sort would (same candidates, same order)', () => {
    const logits = Float32Array.from({ length: 1000 }, (_, index) => Math.sin(index * 12.9898) * 4);
    for (const seed of [1, 2, 3]) {
      const a = sampleToken(logits, { temperature: 0.7, topK: 20, topP: 0.95 }, new SeededRandom(seed));
      const b = sampleToken(logits, { temperature: 0.7, topK: 20, topP: 0.95 }, new SeededRandom(seed));
      expect(a).toBe(b);
      const rank = [...logits].filter((value) => value > (logits[a] as number)).length;
      expect(rank).toBeLessThan(20);
    }
  });
});

describe('sampleToken over the whole vocabulary (no top-k)', () => {
  /** The definition: sort every token by probability, keep the top-p prefix, draw in that order. */
  function reference(logits: Float32Array, temperature: number, topP: number, random: SeededRandom): number {
    const order = Array.from({ length: logits.length }, (_, index) => index).sort(
      (a, b) => (logits[b] as number) - (logits[a] as number) || a - b,
    );
    const maximum = logits[order[0] as number] as number;
    const weights = order.map((id) => Math.exp(((logits[id] as number) - maximum) / temperature));
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let kept = order.length;
    let mass = 0;
    for (let index = 0; index < order.length; index += 1) {
      mass += (weights[index] as number) / total;
      if (mass >= topP) {
        kept = index + 1;
        break;
      }
    }
    const keptTotal = weights.slice(0, kept).reduce((sum, weight) => sum + weight, 0);
    let target = random.next() * keptTotal;
    for (let index = 0; index < kept; index += 1) {
      target -= weights[index] as number;
      if (target < 0) return order[index] as number;
    }
    return order[kept - 1] as number;
  }

  it('top-p < 1 picks exactly the token a full sort would, for flat and peaked distributions', () => {
    for (const spread of [0.01, 1, 8]) {
      const logits = Float32Array.from({ length: 5000 }, (_, index) => Math.sin(index * 78.233) * spread);
      for (const topP of [0.1, 0.5, 0.9, 0.999]) {
        for (const seed of [1, 2, 3, 4]) {
          expect(sampleToken(logits, { temperature: 0.9, topK: 0, topP }, new SeededRandom(seed))).toBe(
            reference(logits, 0.9, topP, new SeededRandom(seed)),
          );
        }
      }
    }
  });

  it('top-p 1 draws each token with its softmax probability', () => {
    const logits = Float32Array.from([2, 1, 0, 0, -1]);
    const weights = [...logits].map((value) => Math.exp(value));
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const counts = new Array(logits.length).fill(0);
    const random = new SeededRandom(99);
    const draws = 40_000;
    for (let index = 0; index < draws; index += 1)
      counts[sampleToken(logits, { temperature: 1, topK: 0, topP: 1 }, random)] += 1;
    counts.forEach((count, id) => {
      expect(count / draws).toBeCloseTo((weights[id] as number) / total, 2);
    });
  });
});
