import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compareAus, goldAus } from '@facial-r1/assessment';
import {
  type AuOutcome,
  auMetricsFromComparisons,
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
    // Each row's AU comparison is read once here (its stored Assessment's, or made from the
    // row's AU lists for reports written before rows carried one), never inside a resample.
    const comparisons = new Map<EvaluationRow, AuOutcome>();
    const unknown = new Map<EvaluationRow, ReturnType<typeof goldAus>>();
    const comparisonOf = (row: EvaluationRow) => {
      let comparison = comparisons.get(row);
      if (!comparison) {
        comparison = row.assessment?.aus ?? compareAus(goldAus(row.goldAus), goldAus(row.predictedAus));
        comparisons.set(row, comparison);
        unknown.set(row, goldAus(row.unknownAus));
      }
      return comparison;
    };
    const vocabulary = report.au ? goldAus(Object.keys(report.au.perAu)) : undefined;
    return (rows) => {
      const outcomes = rows.map(comparisonOf);
      return auMetricsFromComparisons(outcomes, { vocabulary, unknown: rows.map((row) => unknown.get(row)) })
        .macroF1;
    };
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
      if (!shared.length)
        throw new FeaError(
          'evaluator/nothing-to-compare',
          `run ${index + 1}${report.run?.model ? ` (${report.run.model})` : ''} and run 1${base.run?.model ? ` (${base.run.model})` : ''} have no sample in common: nothing to compare (are they runs of the same split and fold?)`,
        );
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

/** Row names: the given labels, else the model ids, made unique with the run's position when two are equal. */
function runNames(reports: readonly RunReport[], labels: readonly string[] | undefined): string[] {
  const names = reports.map((report, index) => labels?.[index] ?? report.run?.model ?? `run ${index + 1}`);
  return names.map((name, index) =>
    names.indexOf(name) !== names.lastIndexOf(name) ? `${name} (run ${index + 1})` : name,
  );
}

/** A Markdown table: runs (and, with `againstPaper`, the published rows) in the paper's columns, then deltas. */
export function renderComparison(
  reports: readonly RunReport[],
  compared: readonly ComparedMetric[],
  options: {
    readonly againstPaper?: boolean;
    /** A label per run (its directory): rows are named by run, so two runs of one model stay apart. */
    readonly labels?: readonly string[];
  } = {},
): string {
  const names = runNames(reports, options.labels);
  const lines = [
    `| Model | ${PAPER_COLUMNS.map((column) => column.title).join(' | ')} |`,
    `|---|${PAPER_COLUMNS.map(() => '---').join('|')}|`,
  ];
  const row = (name: string, cells: Readonly<Record<string, number>>) =>
    `| ${name} | ${PAPER_COLUMNS.map((column) => (column.key in cells ? formatHeadline(column.key, cells[column.key]!) : '')).join(' | ')} |`;
  for (const [index, report] of reports.entries()) {
    // An incomplete run puts no number beside the paper's.
    lines.push(
      row(
        report.incomplete ? `${names[index]} (incomplete)` : names[index]!,
        report.incomplete ? {} : paperCells(report),
      ),
    );
  }
  for (const [index, report] of reports.entries())
    if (report.incomplete)
      lines.push(
        '',
        `${names[index]} is incomplete: ${report.incomplete}; its paper columns are left empty.`,
      );
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
          `| ${metric.key} | ${names[index]} | ${value === null ? '' : format(value)} | ${delta ? format(delta.value) : ''} | ${delta ? `${format(delta.low)} to ${format(delta.high)}` : ''} | ${delta ? delta.pValue.toFixed(3) : ''} |`,
        );
      });
    }
  }
  return `${lines.join('\n')}\n`;
}
