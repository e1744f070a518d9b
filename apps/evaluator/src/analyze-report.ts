import { ACTION_UNITS, type AuCode } from '@facial-r1/facs';
import * as echarts from 'echarts';
import sharp from 'sharp';
import type { AnalyzedImage } from './analyze-images';

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function auBars(face: AnalyzedImage['faces'][number]): string {
  const chart = echarts.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: 420,
    height: 24 * face.actionUnits.length + 40,
  });
  const rows = [...face.actionUnits].reverse();
  chart.setOption({
    animation: false,
    grid: { left: 150, right: 40, top: 10, bottom: 20 },
    xAxis: { type: 'value', min: 0, max: 1 },
    yAxis: {
      type: 'category',
      data: rows.map(
        (estimate) =>
          `${estimate.au} ${ACTION_UNITS[Number(estimate.au.slice(2)) as AuCode]?.promptName ?? ''}`,
      ),
    },
    series: [
      {
        type: 'bar',
        data: rows.map((estimate) => ({
          value: Number(estimate.score.toFixed(3)),
          itemStyle: { color: estimate.present ? '#2f855a' : '#a0aec0' },
        })),
        label: { show: true, position: 'right', formatter: '{c}' },
        markLine: {
          silent: true,
          symbol: 'none',
          data: [{ xAxis: 0.5 }],
          lineStyle: { type: 'dashed', color: '#c53030' },
        },
      },
    ],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

async function faceCrop(file: string, face: AnalyzedImage['faces'][number], width: number, height: number) {
  const margin = 0.25 * Math.max(face.box.width, face.box.height);
  const left = Math.max(0, Math.floor(face.box.x - margin));
  const top = Math.max(0, Math.floor(face.box.y - margin));
  const right = Math.min(width, Math.ceil(face.box.x + face.box.width + margin));
  const bottom = Math.min(height, Math.ceil(face.box.y + face.box.height + margin));
  const size = 240;
  const scale = size / Math.max(right - left, bottom - top);
  const jpeg = await sharp(file)
    .rotate()
    .extract({ left, top, width: right - left, height: bottom - top })
    .resize(Math.round((right - left) * scale), Math.round((bottom - top) * scale))
    .jpeg({ quality: 85 })
    .toBuffer();
  const points = face.landmarks
    .map(
      ([x, y]) =>
        `<circle cx="${((x - left) * scale).toFixed(1)}" cy="${((y - top) * scale).toFixed(1)}" r="1.1"/>`,
    )
    .join('');
  const w = Math.round((right - left) * scale);
  const h = Math.round((bottom - top) * scale);
  return `<svg class="crop" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><image href="data:image/jpeg;base64,${jpeg.toString('base64')}" width="${w}" height="${h}"/><g fill="#00e5ff" fill-opacity="0.8">${points}</g></svg>`;
}

/** A self-contained page: per face, the crop with its 468 landmarks, AU estimate bars, emotion and reasoning. */
export async function renderAnalysisHtml(images: readonly AnalyzedImage[]): Promise<string> {
  const sections: string[] = [];
  for (const image of images) {
    if (image.error) {
      sections.push(
        `<section class="image"><h2>${escapeHtml(image.file)}</h2><p class="error">${escapeHtml(image.error)}</p></section>`,
      );
      continue;
    }
    const faces = await Promise.all(
      image.faces.map(async (face, index) => {
        const probabilities = Object.entries(face.emotion.probabilities)
          .sort((a, b) => b[1] - a[1])
          .map(([label, probability]) => `<li>${label} ${(100 * probability).toFixed(0)}%</li>`)
          .join('');
        return `<article class="face"><div>${await faceCrop(image.file, face, image.width!, image.height!)}<p>face ${index + 1}: <b>${face.emotion.label}</b></p><ul class="probabilities">${probabilities}</ul></div>
<div class="bars">${auBars(face)}</div><p class="reasoning">${escapeHtml(face.reasoning)}</p></article>`;
      }),
    );
    sections.push(
      `<section class="image"><h2>${escapeHtml(image.file)} (${image.width}x${image.height}, ${image.faces.length} face${image.faces.length === 1 ? '' : 's'})</h2>${faces.join('\n') || '<p>no face found</p>'}</section>`,
    );
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Facial-R1 face analysis</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1a202c}.face{display:grid;grid-template-columns:260px 440px 1fr;gap:1rem;align-items:start;border-bottom:1px solid #e2e8f0;padding:1rem 0}
.crop{border-radius:6px}.probabilities{margin:0;padding-left:1.1rem;color:#4a5568}.reasoning{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap}.error{color:#c53030}</style></head>
<body><h1>Face analysis (Facial-R1 baseline)</h1>
<p>Geometric AU estimates from FaceMesh landmarks (not FACS-coded ground truth), a 7-class emotion CNN combined with the FACS rules, and reasoning composed from the measurements. Bars: evidence score per AU; dashed line: the presence threshold.</p>
${sections.join('\n')}
</body></html>
`;
}
