import { stringify } from 'csv-stringify/sync';
import { AU_MEASURES, EMOTION_CNN_LABELS } from '@facial-r1/vision';
import type { AnalyzedImage } from './analyze-images';

const AUS = Object.keys(AU_MEASURES);

/**
 * One CSV row per face, like py-feat's Fex table: `file, face` (1-based, matching the HTML cards),
 * `source` (detector / padded / whole-frame), the box (`x, y, width, height` in image pixels),
 * `detection_score`, each AU's calibrated probability (`AU1` ...), each emotion's calibrated
 * probability (`anger` ...) and `label`. An image without a face gets one row with `face` 0 and
 * empty cells; an unreadable one the same with its reason in `error`.
 */
export function analysisToCsv(images: readonly AnalyzedImage[]): string {
  const header = [
    'file',
    'face',
    'source',
    'x',
    'y',
    'width',
    'height',
    'detection_score',
    ...AUS,
    ...EMOTION_CNN_LABELS,
    'label',
    'error',
  ];
  const rows: (string | number)[][] = [];
  const round = (value: number, digits = 4) => Number(value.toFixed(digits));
  for (const image of images) {
    if (image.faces.length === 0) {
      rows.push([image.file, 0, ...new Array(header.length - 4).fill(''), image.error ?? 'no face found']);
      continue;
    }
    image.faces.forEach((face, index) => {
      const scores = new Map(face.actionUnits.map((estimate) => [estimate.au as string, estimate.score]));
      rows.push([
        image.file,
        index + 1,
        face.source,
        round(face.box.x, 1),
        round(face.box.y, 1),
        round(face.box.width, 1),
        round(face.box.height, 1),
        round(face.detectionScore),
        ...AUS.map((au) => round(scores.get(au) ?? 0)),
        ...EMOTION_CNN_LABELS.map((label) => round(face.emotion.probabilities[label] ?? 0)),
        face.emotion.label,
        '',
      ]);
    });
  }
  return stringify([header, ...rows]);
}
