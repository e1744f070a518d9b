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
    width: 445,
    height: 24 * face.actionUnits.length + 40,
  });
  const rows = [...face.actionUnits].reverse();
  chart.setOption({
    animation: false,
    grid: { left: 175, right: 40, top: 10, bottom: 20 },
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
      },
      {
        // Each AU's own fitted threshold on its calibrated probability.
        type: 'scatter',
        data: rows.map((estimate, index) => [estimate.threshold, index]),
        symbol: 'rect',
        symbolSize: [2, 16],
        itemStyle: { color: '#c53030' },
        silent: true,
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

/** The whole photo (at most 900 px wide) with each face's box and its number, matching the cards. */
async function photoOverview(image: AnalyzedImage): Promise<string> {
  const width = image.width ?? 1;
  const height = image.height ?? 1;
  const scale = Math.min(1, 900 / width, 700 / height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const jpeg = await sharp(image.file)
    .rotate()
    .resize(w, h, { fit: 'fill' })
    .jpeg({ quality: 80 })
    .toBuffer();
  const stroke = Math.max(1.5, Math.min(w, h) / 200);
  const boxes = image.faces
    .map((face, index) => {
      const x = face.box.x * scale;
      const y = face.box.y * scale;
      const size = Math.max(12, Math.min(28, face.box.width * scale * 0.35));
      const tag = y - size < 0 ? y : y - size; // inside the box when it touches the top edge
      return `<g><rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(face.box.width * scale).toFixed(1)}" height="${(face.box.height * scale).toFixed(1)}" fill="none" stroke="#f6e05e" stroke-width="${stroke.toFixed(1)}"/><rect x="${x.toFixed(1)}" y="${tag.toFixed(1)}" width="${(size * 1.4).toFixed(1)}" height="${size.toFixed(1)}" fill="#f6e05e"/><text x="${(x + size * 0.7).toFixed(1)}" y="${(tag + size * 0.78).toFixed(1)}" font-size="${(size * 0.8).toFixed(1)}" text-anchor="middle" font-weight="bold" fill="#1a202c">${index + 1}</text></g>`;
    })
    .join('');
  return `<svg class="overview" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" overflow="visible"><image href="data:image/jpeg;base64,${jpeg.toString('base64')}" width="${w}" height="${h}"/>${boxes}</svg>`;
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
        return `<article class="face"><div>${await faceCrop(image.file, face, image.width!, image.height!)}<p id="face-${index + 1}">face ${index + 1} (${face.source}): <b>${face.emotion.label}</b></p><ul class="probabilities">${probabilities}</ul></div>
<div class="bars">${auBars(face)}</div><p class="reasoning">${escapeHtml(face.reasoning)}</p></article>`;
      }),
    );
    sections.push(
      `<section class="image"><h2>${escapeHtml(image.file)} (${image.width}x${image.height}, ${image.faces.length} face${image.faces.length === 1 ? '' : 's'})</h2>${await photoOverview(image)}${faces.join('\n') || '<p>no face found</p>'}</section>`,
    );
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Facial-R1 face analysis</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1a202c}.face{display:grid;grid-template-columns:260px 465px 1fr;gap:1rem;align-items:start;border-bottom:1px solid #e2e8f0;padding:1rem 0}
.crop{border-radius:6px}.overview{display:block;margin:.5rem 0 1rem;max-width:100%;height:auto}.probabilities{margin:0;padding-left:1.1rem;color:#4a5568}.reasoning{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap}.error{color:#c53030}</style></head>
<body><h1>Face analysis (Facial-R1 baseline)</h1>
<p>Per photo: the whole frame with numbered face boxes; per face (same number): the crop with its 468 landmarks, each AU's calibrated probability from FaceMesh geometry (fitted on FACS-coded CK+ faces; estimates, not FACS coding), the emotion from two appearance CNNs fused by a calibrated model, and reasoning composed from the measurements. Bars: AU probability (green: reported present); red mark: that AU's threshold.</p>
${sections.join('\n')}
</body></html>
`;
}
