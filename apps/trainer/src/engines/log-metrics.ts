import type { EngineProgress } from './engine';

const numberPattern = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf|-inf`;
// `name:value`, `name=value`, `'name': value` - the three shapes engine loggers print.
const pairPattern = new RegExp(
  String.raw`['"]?([A-Za-z_][\w/.@-]*)['"]?\s*(?::|=)\s*(${numberPattern})(?![\w.])`,
  'g',
);

/** Every `name: number` pair on a log line (verl console, HF Trainer dicts, tqdm postfixes). */
export function parseMetricPairs(line: string): Map<string, number> {
  const metrics = new Map<string, number>();
  for (const match of line.matchAll(pairPattern)) {
    const value = Number(match[2]);
    if (!Number.isNaN(value)) metrics.set(match[1]!, value);
  }
  return metrics;
}

/**
 * Builds a log parser from the metric names an engine prints, first match wins.
 * `checkpointPattern` captures a saved checkpoint directory.
 */
export function createLogParser(names: {
  readonly step: readonly string[];
  readonly totalSteps?: readonly string[];
  readonly reward?: readonly string[];
  readonly loss?: readonly string[];
  readonly checkpointPattern?: RegExp;
}): (line: string) => EngineProgress | null {
  const first = (metrics: Map<string, number>, keys: readonly string[] | undefined) => {
    for (const key of keys ?? []) {
      const value = metrics.get(key);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  return (line) => {
    const checkpoint = names.checkpointPattern?.exec(line)?.[1];
    const metrics = parseMetricPairs(line);
    const progress: EngineProgress = {
      step: first(metrics, names.step),
      totalSteps: first(metrics, names.totalSteps),
      reward: first(metrics, names.reward),
      loss: first(metrics, names.loss),
      checkpoint,
    };
    const hasAny = Object.values(progress).some((value) => value !== undefined);
    return hasAny
      ? Object.fromEntries(Object.entries(progress).filter(([, value]) => value !== undefined))
      : null;
  };
}
