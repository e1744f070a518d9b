import { readFile } from 'node:fs/promises';
import type { Assessment } from '@facial-r1/assessment';
import { type EvaluationReport, formatHeadline, PAPER_COLUMNS, paperCells } from '@facial-r1/benchmarks';
import { sniffImageType } from '@facial-r1/runtime';
import { type BaselineMetadata, readBaselineMetadata } from '@facial-r1/vision';
import * as echarts from 'echarts';

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Renders an ECharts option to an SVG string on the server (no browser, no script in the page). */
function svgChart(option: echarts.EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, ...option });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

/** The output with every AU mention its Assessment found wrapped in <mark> (negated ones struck through). */
function highlightReasoning(assessment: Assessment): string {
  const text = assessment.completion;
  let html = '';
  let cursor = 0;
  for (const mention of [...assessment.parse.mentions].sort((a, b) => a.start - b.start)) {
    if (mention.start < cursor) continue;
    html += escapeHtml(text.slice(cursor, mention.start));
    html += `<mark class="${mention.negated ? 'negated' : ''}" title="${mention.au} (${mention.via})">${escapeHtml(text.slice(mention.start, mention.end))}</mark>`;
    cursor = mention.end;
  }
  return html + escapeHtml(text.slice(cursor));
}

/** What a prediction store keeps of a completion beside its text (all optional: older files lack them). */
export interface PredictionDetails {
  /** Why generation ended (`stop`, `length`). */
  readonly finishReason?: string;
  /** Tokens the completion generated. */
  readonly completionTokens?: number;
  /** The backend's structured output, e.g. the face baseline's measurements. */
  readonly providerMetadata?: Readonly<Record<string, unknown>>;
}

const percent = (value: number) => `${(100 * value).toFixed(0)}%`;

/**
 * The face baseline's measurements as it reported them (no parsing of its text): per face the
 * box, the label with the emotion distribution, and every AU probability (present ones bold).
 */
function measuredFaces(metadata: BaselineMetadata): string {
  const rows = metadata.faces.map((face, index) => {
    const box = face.box;
    const emotions = Object.entries(face.emotionProbabilities)
      .sort(([, a], [, b]) => b - a)
      .map(([emotion, value]) => `${escapeHtml(emotion)} ${percent(value)}`)
      .join(', ');
    const present = new Set(face.presentAus);
    const aus = Object.entries(face.auProbabilities)
      .map(([au, value]) => {
        const cell = `${escapeHtml(au)} ${percent(value)}`;
        return present.has(au) ? `<b>${cell}</b>` : cell;
      })
      .join(', ');
    const answered = index === metadata.face ? ' (answered)' : '';
    return `<tr><td>face ${index + 1}${answered}</td><td>${Math.round(box.x)},${Math.round(box.y)} ${Math.round(box.width)}x${Math.round(box.height)}</td><td>${escapeHtml(face.label)}</td><td>${emotions}</td><td>${aus}</td></tr>`;
  });
  return `<table class="measured"><thead><tr><th>measured</th><th>box</th><th>label</th><th>emotions</th><th>AU probabilities (present in bold)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

async function thumbnail(image: string): Promise<string> {
  try {
    const bytes = new Uint8Array(await readFile(image));
    const type = sniffImageType(bytes);
    return type ? `data:${type};base64,${Buffer.from(bytes).toString('base64')}` : '';
  } catch {
    return '';
  }
}

/**
 * A self-contained HTML report (no CDN, no script): headline table in the paper's columns
 * with 95 % intervals, a confusion-matrix heatmap, per-class accuracy and per-AU F1 bars
 * (ECharts rendered to SVG on the server), FEA rates, and a gallery of samples with the
 * image, the reasoning with its AU mentions highlighted, the answer and whether it was right.
 * With `predictions` (by sample id) a sample also shows its token count and finish reason,
 * and a backend's structured output where it has one: the face baseline's measured faces
 * (box, AU probabilities, emotion distribution and label) as it reported them.
 */
export async function renderHtmlReport(
  report: EvaluationReport,
  options: {
    readonly model?: string;
    readonly gallery?: number;
    readonly predictions?: ReadonlyMap<string, PredictionDetails>;
  } = {},
): Promise<string> {
  // A partial run puts no number in the paper's columns.
  const cells = report.incomplete ? {} : paperCells(report);
  const charts: string[] = [];
  if (report.emotion) {
    const { labels, columns, matrix } = report.emotion.confusion;
    const data = matrix.flatMap((row, y) => row.map((value, x) => [x, y, value]));
    charts.push(
      `<figure><figcaption>Confusion matrix (rows: label, columns: prediction)</figcaption>${svgChart(
        {
          tooltip: {},
          grid: { left: 90, bottom: 70, top: 10, right: 10 },
          xAxis: { type: 'category', data: [...columns], axisLabel: { rotate: 40 } },
          yAxis: { type: 'category', data: [...labels], inverse: true },
          visualMap: {
            min: 0,
            max: Math.max(1, ...matrix.flat()),
            show: false,
            inRange: { color: ['#f4f7fb', '#1f5fa8'] },
          },
          series: [{ type: 'heatmap', data, label: { show: true } }],
        },
        560,
        360,
      )}</figure>`,
    );
    const perClass = Object.entries(report.emotion.perClass);
    charts.push(
      `<figure><figcaption>Per-class accuracy (%)</figcaption>${svgChart(
        {
          grid: { left: 50, bottom: 70, top: 10, right: 10 },
          xAxis: { type: 'category', data: perClass.map(([label]) => label), axisLabel: { rotate: 40 } },
          yAxis: { type: 'value', max: 100 },
          series: [
            {
              type: 'bar',
              data: perClass.map(([, metrics]) => Number((100 * metrics.accuracy).toFixed(1))),
              itemStyle: { color: '#2f855a' },
              label: { show: true, position: 'top' },
            },
          ],
        },
        560,
        300,
      )}</figure>`,
    );
  }
  if (report.au) {
    const perAu = Object.entries(report.au.perAu);
    charts.push(
      `<figure><figcaption>Per-AU F1 (%)</figcaption>${svgChart(
        {
          grid: { left: 50, bottom: 40, top: 10, right: 10 },
          xAxis: { type: 'category', data: perAu.map(([au]) => au) },
          yAxis: { type: 'value', max: 100 },
          series: [
            {
              type: 'bar',
              data: perAu.map(([, metrics]) => Number((100 * metrics.f1).toFixed(1))),
              itemStyle: { color: '#b7791f' },
              label: { show: true, position: 'top' },
            },
          ],
        },
        Math.max(420, 60 * perAu.length),
        300,
      )}</figure>`,
    );
  }
  const headline = Object.entries(report.headline)
    .map(([key, metric]) => {
      const format = (value: number) => formatHeadline(`${report.benchmark.id}/${key}`, value);
      return `<tr><td>${metric.label}</td><td>${format(metric.value)}</td><td>${format(metric.low)} - ${format(metric.high)}</td></tr>`;
    })
    .join('');
  const gallery = await Promise.all(
    report.rows.slice(0, options.gallery ?? 24).map(async (row) => {
      const source = await thumbnail(row.image);
      const verdict =
        row.correct === null
          ? ''
          : `<span class="${row.correct ? 'right' : 'wrong'}">${row.correct ? 'correct' : 'wrong'}</span>`;
      const details = options.predictions?.get(row.id);
      const generation = [
        typeof details?.completionTokens === 'number' ? `${details.completionTokens} tokens` : '',
        details?.finishReason === 'length' ? '<span class="wrong">cut at the token limit</span>' : '',
      ]
        .filter(Boolean)
        .join(' · ');
      const measured = readBaselineMetadata(details?.providerMetadata);
      return `<article class="sample"><img alt="${escapeHtml(row.id)}" src="${source}"><div><h3>${escapeHtml(row.id)} ${verdict}</h3>
<p class="meta">label ${escapeHtml(row.goldLabel ?? '(none)')} · AUs ${escapeHtml(row.goldAus.join(', ') || '(none)')} · predicted ${escapeHtml(row.predictedLabel ?? '(none)')} · cited ${escapeHtml(row.predictedAus.join(', ') || '(none)')}${generation ? ` · ${generation}` : ''}</p>
${measured && measured.faces.length > 0 ? measuredFaces(measured) : ''}
<p class="reasoning">${row.text !== null ? highlightReasoning(row.assessment) : row.error !== undefined ? `<em class="wrong">model error: ${escapeHtml(row.error)}</em>` : '<em>no prediction</em>'}</p></div></article>`;
    }),
  );
  const fea = report.fea;
  const title = `${report.benchmark.title ?? report.benchmark.id}: ${options.model ?? 'model'}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1a202c}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #cbd5e0;padding:.3rem .6rem;text-align:right}th:first-child,td:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;border:1px solid #e2e8f0;border-radius:8px;padding:.5rem}figcaption{font-weight:600;margin-bottom:.3rem}
.sample{display:flex;gap:1rem;border-bottom:1px solid #e2e8f0;padding:.8rem 0}.sample img{width:112px;height:112px;object-fit:cover;border-radius:6px;background:#edf2f7}
.sample h3{margin:0;font-size:1rem}.meta{color:#4a5568;margin:.2rem 0}.reasoning{margin:.2rem 0}mark{background:#fefcbf;border-radius:3px}mark.negated{text-decoration:line-through;background:#fed7d7}
table.measured{font-size:12px;margin:.3rem 0}table.measured td{text-align:left}
.right{color:#2f855a}.wrong{color:#c53030}.incomplete{background:#fff5f5;border:1px solid #c53030;border-radius:6px;padding:.6rem}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
${report.incomplete ? `<p class="incomplete"><strong>Incomplete run: ${escapeHtml(report.incomplete)}.</strong> The numbers below cover a partial run (samples without an answer count as wrong) and are not comparable with the paper's; the paper columns are left empty.</p>\n` : ''}<p>${report.counts.samples} samples, ${report.counts.predicted} predicted, ${report.counts.errors ?? 0} model errors, ${report.counts.missing} missing · benchmark version ${report.benchmark.version}</p>
<table class="paper"><thead><tr><th>Model</th>${PAPER_COLUMNS.map((column) => `<th>${column.title}</th>`).join('')}</tr></thead>
<tbody><tr><td>${escapeHtml(options.model ?? 'this run')}</td>${PAPER_COLUMNS.map((column) => `<td>${column.key in cells ? formatHeadline(column.key, cells[column.key]!) : ''}</td>`).join('')}</tr></tbody></table>
<table class="headline"><thead><tr><th>metric</th><th>value</th><th>95% interval</th></tr></thead><tbody>${headline}</tbody></table>
<p>Well-formed ${(100 * fea.wellFormedRate).toFixed(1)}% · consistent ${(100 * fea.consistencyRate).toFixed(1)}% · hallucinating an AU ${(100 * fea.hallucinationRate).toFixed(1)}% · negation or hedging ${(100 * fea.negationHedgingRate).toFixed(1)}%</p>
<section class="charts">${charts.join('\n')}</section>
<h2>Samples</h2>
<p>${gallery.length < report.rows.length ? `The first ${gallery.length} of ${report.rows.length} samples; every sample is in report.json.` : `All ${report.rows.length} samples.`}</p>
<section class="gallery">${gallery.join('\n')}</section>
</body></html>
`;
}
