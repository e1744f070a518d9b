import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  auMetrics,
  type EvaluationReport,
  type EvaluationRow,
  formatHeadline,
  PAPER_COLUMNS,
  pairedBootstrap,
  paperCells,
} from '@facial-r1/benchmarks';
import { FeaError } from '@facial-r1/spec';
import { PAPER_RESULTS } from './paper-results';

type RunReport = EvaluationReport & { readonly run?: { readonly model: string } };

/** A compared metric: each run's value, and for runs after the first the paired delta. */
export interface ComparedMetric {
  readonly key: string;
  readonly values: readonly (number | null)[];
  readonly deltas: readonly ({
    readonly value: number;
    readonly low: number;
    readonly high: number;
    readonly pValue: number;
  } | null)[];
}

const mean = (values: readonly number[]) =>
  values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : 0;

/** The per-row statistic behind a headline metric, for paired resampling. */
function statistic(metric: string, report: RunReport): ((rows: readonly EvaluationRow[]) => number) | null {
  if (metric === 'accuracy')
    return (rows) => mean(rows.filter((row) => row.goldLabel).map((row) => (row.correct ? 1 : 0)));
  if (metric === 'rougeL')
    return (rows) => mean(rows.filter((row) => row.rougeL !== null).map((row) => row.rougeL!));
  if (metric === 'auF1') {
    return (rows) =>
      auMetrics(
        rows.map((row) => row.goldAus),
        rows.map((row) => row.predictedAus),
        {
          unknown: rows.map((row) => row.unknownAus),
          vocabulary: report.au ? Object.keys(report.au.perAu) : undefined,
        },
      ).macroF1;
  }
  return null;
}

/** Reads `report.json` of each run directory. */
export async function readRunReports(directories: readonly string[]): Promise<RunReport[]> {
  return Promise.all(
    directories.map(async (directory) => {
      const file = path.join(directory, 'report.json');
      try {
        return JSON.parse(await readFile(file, 'utf8')) as RunReport;
      } catch (cause) {
        throw new FeaError(
          'evaluator/missing-report',
          `${file}: no report; run \`fea-eval run --out ${directory}\` first`,
          { cause },
        );
      }
    }),
  );
}

/**
 * Side-by-side headline metrics of runs of the same benchmark, each later run against the
 * first with a paired bootstrap interval of the delta over the samples both scored.
 */
export function compareReports(
  reports: readonly RunReport[],
  options: { readonly resamples?: number; readonly seed?: number } = {},
): ComparedMetric[] {
  const keys = [...new Set(reports.flatMap((report) => Object.keys(report.headline)))];
  const base = reports[0]!;
  return keys.map((key) => {
    const values = reports.map((report) => report.headline[key]?.value ?? null);
    const deltas = reports.map((report, index) => {
      if (index === 0 || report.benchmark.id !== base.benchmark.id) return null;
      const compute = statistic(key, base);
      if (!compute) return null;
      const byId = new Map(report.rows.map((row) => [row.id, row]));
      const shared = base.rows.filter((row) => byId.has(row.id));
      return pairedBootstrap(
        shared,
        shared.map((row) => byId.get(row.id)!),
        compute,
        { resamples: options.resamples ?? 1000, seed: options.seed ?? 0 },
      );
    });
    return { key, values, deltas };
  });
}

/** A Markdown table: runs (and, with `againstPaper`, the published rows) in the paper's columns, then deltas. */
export function renderComparison(
  reports: readonly RunReport[],
  compared: readonly ComparedMetric[],
  options: { readonly againstPaper?: boolean } = {},
): string {
  const lines = [
    `| Model | ${PAPER_COLUMNS.map((column) => column.title).join(' | ')} |`,
    `|---|${PAPER_COLUMNS.map(() => '---').join('|')}|`,
  ];
  const row = (name: string, cells: Readonly<Record<string, number>>) =>
    `| ${name} | ${PAPER_COLUMNS.map((column) => (column.key in cells ? formatHeadline(column.key, cells[column.key]!) : '')).join(' | ')} |`;
  for (const [index, report] of reports.entries()) {
    lines.push(row(report.run?.model ?? `run ${index + 1}`, paperCells(report)));
  }
  if (options.againstPaper)
    for (const [name, cells] of Object.entries(PAPER_RESULTS)) lines.push(row(`${name} (paper)`, cells));
  if (reports.length > 1) {
    lines.push(
      '',
      '| metric | run | value | delta vs first | 95% interval | p (not better) |',
      '|---|---|---|---|---|---|',
    );
    for (const metric of compared) {
      metric.values.forEach((value, index) => {
        const delta = metric.deltas[index];
        const format = (number: number) =>
          formatHeadline(`${reports[0]!.benchmark.id}/${metric.key}`, number);
        lines.push(
          `| ${metric.key} | ${reports[index]!.run?.model ?? index + 1} | ${value === null ? '' : format(value)} | ${delta ? format(delta.value) : ''} | ${delta ? `${format(delta.low)} to ${format(delta.high)}` : ''} | ${delta ? delta.pValue.toFixed(3) : ''} |`,
        );
      });
    }
  }
  return `${lines.join('\n')}\n`;
}
