import { suggestClosest } from '@facial-r1/facs';
import { affectnetAdapter } from './affectnet-adapter';
import type { BenchmarkAdapter } from './benchmark-adapter';
import { bp4dAdapter } from './bp4d-adapter';
import { disfaAdapter } from './disfa-adapter';
import { UnknownBenchmarkError } from './errors';
import { fabaAdapter } from './faba-adapter';
import { fea20kAdapter } from './fea20k-adapter';
import { fer2013Adapter } from './fer2013-adapter';
import { rafAuAdapter } from './raf-au-adapter';
import { rafdbAdapter } from './rafdb-adapter';

/** Every benchmark by id, in the paper's table order. */
export const BENCHMARKS = {
  disfa: disfaAdapter,
  bp4d: bp4dAdapter,
  'raf-au': rafAuAdapter,
  faba: fabaAdapter,
  fer2013: fer2013Adapter,
  affectnet: affectnetAdapter,
  rafdb: rafdbAdapter,
  fea20k: fea20kAdapter,
} as const satisfies Record<string, BenchmarkAdapter>;

export type BenchmarkId = keyof typeof BENCHMARKS;
export const BENCHMARK_IDS = Object.keys(BENCHMARKS) as BenchmarkId[];

const ALIASES: Readonly<Record<string, BenchmarkId>> = {
  'raf-db': 'rafdb',
  rafdb_basic: 'rafdb',
  'fea-20k': 'fea20k',
  'faba-instruct': 'faba',
  rafau: 'raf-au',
  'fer-2013': 'fer2013',
};

/** The adapter of a benchmark id (case-insensitive; aliases like `raf-db`, `fea-20k`); unknown ids suggest the closest. */
export function getBenchmark(id: string): BenchmarkAdapter {
  const key = id.trim().toLowerCase();
  const found =
    (BENCHMARKS as Record<string, BenchmarkAdapter>)[key] ?? BENCHMARKS[ALIASES[key] as BenchmarkId];
  if (found) return found;
  const candidates = [...BENCHMARK_IDS, ...Object.keys(ALIASES)];
  const suggestions = [
    ...new Set(suggestClosest(key, candidates, { max: 4 }).map((item) => ALIASES[item] ?? item)),
  ].slice(0, 2);
  throw new UnknownBenchmarkError(id, suggestions, BENCHMARK_IDS);
}

/** Every adapter. */
export function listBenchmarks(): BenchmarkAdapter[] {
  return Object.values(BENCHMARKS);
}
