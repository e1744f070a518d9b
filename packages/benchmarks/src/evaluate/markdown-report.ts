import type { EvaluationReport } from './evaluate';

/** The columns of the paper's results tables (FACTS 6), in order. */
export const PAPER_COLUMNS = [
  { key: 'disfa/auF1', title: 'DISFA' },
  { key: 'bp4d/auF1', title: 'BP4D' },
  { key: 'raf-au/auF1', title: 'RAF-AU' },
  { key: 'faba/auF1', title: 'FABA AU' },
  { key: 'fer2013/accuracy', title: 'FER2013' },
  { key: 'affectnet/accuracy', title: 'AffectNet' },
  { key: 'rafdb/accuracy', title: 'RAF-DB' },
  { key: 'faba/accuracy', title: 'FABA Emo' },
  { key: 'faba/rege', title: 'FABA REGE' },
  { key: 'fea20k/rougeL', title: 'FEA-20K ROUGE-L' },
  { key: 'fea20k/judge', title: 'FEA-20K Score' },
] as const;

const percent = (value: number) => (100 * value).toFixed(1);

/** A headline value as the paper prints it: percentages for rates, REGE and judge score as they are. */
export function formatHeadline(key: string, value: number): string {
  return key.endsWith('/rege') || key.endsWith('/judge') ? value.toFixed(1) : percent(value);
}

/** The paper-table cells of a report: `{ 'rafdb/accuracy': 0.92, ... }`. */
export function paperCells(report: EvaluationReport): Record<string, number> {
  const cells: Record<string, number> = {};
  for (const [metric, headline] of Object.entries(report.headline))
    cells[`${report.benchmark.id}/${metric}`] = headline.value;
  return cells;
}

/**
 * A Markdown report: the headline table with the paper's columns (this benchmark's cells
 * filled, with 95 % intervals underneath), then per-class and per-AU tables and FEA rates.
 */
export function renderMarkdownReport(
  report: EvaluationReport,
  options: { readonly model?: string } = {},
): string {
  // A partial run puts no number in the paper's columns.
  const cells = report.incomplete ? {} : paperCells(report);
  const lines: string[] = [];
  lines.push(`# ${report.benchmark.title ?? report.benchmark.id} (v${report.benchmark.version})`, '');
  if (report.incomplete)
    lines.push(
      `**Incomplete run: ${report.incomplete}.** The numbers below cover a partial run (samples without an answer count as wrong) and are not comparable with the paper's; the paper columns are left empty. Rerun the same command to finish it.`,
      '',
    );
  lines.push(
    `${report.counts.samples} samples, ${report.counts.predicted} predicted, ${report.counts.errors ?? 0} model errors, ${report.counts.missing} missing.`,
    '',
  );
  lines.push(`| Model | ${PAPER_COLUMNS.map((column) => column.title).join(' | ')} |`);
  lines.push(`|---|${PAPER_COLUMNS.map(() => '---').join('|')}|`);
  lines.push(
    `| ${options.model ?? 'this run'} | ${PAPER_COLUMNS.map((column) => (column.key in cells ? formatHeadline(column.key, cells[column.key]!) : '')).join(' | ')} |`,
  );
  lines.push('', '| metric | value | 95% interval |', '|---|---|---|');
  for (const [key, metric] of Object.entries(report.headline)) {
    const format = (value: number) => formatHeadline(`${report.benchmark.id}/${key}`, value);
    lines.push(
      `| ${metric.label} | ${format(metric.value)} | ${format(metric.low)} - ${format(metric.high)} |`,
    );
  }
  if (report.emotion) {
    lines.push(
      '',
      '## Emotion',
      '',
      `Accuracy ${percent(report.emotion.accuracy)} (reference first-token rule ${percent(report.emotion.referenceAccuracy)}), UAR ${percent(report.emotion.uar)}, macro F1 ${percent(report.emotion.macroF1)}, weighted F1 ${percent(report.emotion.weightedF1)}.`,
      '',
    );
    lines.push('| class | accuracy | precision | F1 | support |', '|---|---|---|---|---|');
    for (const [label, metrics] of Object.entries(report.emotion.perClass)) {
      lines.push(
        `| ${label} | ${percent(metrics.accuracy)} | ${percent(metrics.precision)} | ${percent(metrics.f1)} | ${metrics.support} |`,
      );
    }
  }
  if (report.au) {
    lines.push(
      '',
      '## Action Units',
      '',
      `Macro F1 ${percent(report.au.macroF1)} (AUs with positives), fixed-list macro F1 ${percent(report.au.macroF1Fixed)}, micro F1 ${percent(report.au.microF1)}.`,
      '',
    );
    lines.push('| AU | F1 | precision | recall | support |', '|---|---|---|---|---|');
    for (const [au, metrics] of Object.entries(report.au.perAu)) {
      lines.push(
        `| ${au} | ${percent(metrics.f1)} | ${percent(metrics.precision)} | ${percent(metrics.recall)} | ${metrics.support} |`,
      );
    }
  }
  const failures = report.rows.filter((row) => row.error !== undefined);
  if (failures.length) {
    lines.push(
      '',
      '## Model errors',
      '',
      'Samples the model gave no answer for, with its reason (retried on the next run).',
      '',
    );
    lines.push('| sample | reason |', '|---|---|');
    for (const row of failures.slice(0, 50))
      lines.push(`| ${row.id} | ${row.error!.replace(/\|/g, '\\|').replace(/\s+/g, ' ')} |`);
    if (failures.length > 50) lines.push(`| ... | ${failures.length - 50} more in report.json |`);
  }
  if (report.reasoning)
    lines.push(
      '',
      '## Reasoning',
      '',
      `ROUGE-L ${percent(report.reasoning.rougeL)}, BLEU-4 ${percent(report.reasoning.bleu)}.`,
    );
  const fea = report.fea;
  lines.push(
    '',
    '## FEA rates',
    '',
    `Well-formed ${percent(fea.wellFormedRate)}, consistent (answer = emotion of the cited AUs) ${percent(fea.consistencyRate)}, hallucinating an AU ${percent(fea.hallucinationRate)} (${percent(fea.hallucinatedAuShare)} of cited AUs), negation or hedging ${percent(fea.negationHedgingRate)}.`,
    '',
  );
  return lines.join('\n');
}
