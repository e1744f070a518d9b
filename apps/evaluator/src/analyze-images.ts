import path from 'node:path';
import { type FaceAnalysis, FaceAnalyzer, type FaceAnalyzerOptions } from '@facial-r1/vision';

/** The analysis of one input image, or why it failed. */
export interface AnalyzedImage {
  readonly file: string;
  readonly width?: number;
  readonly height?: number;
  readonly faces: readonly FaceAnalysis[];
  /** Set when the image could not be analysed (missing, not an image, truncated, too large). */
  readonly error?: string;
}

/**
 * Analyses images with one face-baseline pipeline (models converted once, sessions reused).
 * A failing image is reported in its entry and the others are still analysed.
 */
export async function analyzeImages(
  files: readonly string[],
  options: FaceAnalyzerOptions & {
    readonly onImage?: (done: number, total: number, file: string) => void;
  } = {},
): Promise<AnalyzedImage[]> {
  const analyzer = await FaceAnalyzer.create(options);
  const results: AnalyzedImage[] = [];
  try {
    for (const [index, file] of files.entries()) {
      try {
        const analysis = await analyzer.analyze(path.resolve(file));
        results.push({ file, width: analysis.width, height: analysis.height, faces: analysis.faces });
      } catch (error) {
        results.push({ file, faces: [], error: error instanceof Error ? error.message : String(error) });
      }
      options.onImage?.(index + 1, files.length, file);
    }
  } finally {
    await analyzer.dispose();
  }
  return results;
}

/** One human-readable block per face (box, AUs with scores, emotion probabilities, reasoning). */
export function formatAnalysis(images: readonly AnalyzedImage[]): string {
  const blocks: string[] = [];
  for (const image of images) {
    if (image.error) {
      blocks.push(`${image.file}\n  error: ${image.error}`);
      continue;
    }
    if (image.faces.length === 0) {
      blocks.push(`${image.file} (${image.width}x${image.height})\n  no face found`);
      continue;
    }
    image.faces.forEach((face, index) => {
      const box = face.box;
      const aus = face.actionUnits
        .filter((estimate) => estimate.present)
        .map((estimate) => `${estimate.au} ${estimate.score.toFixed(2)}`)
        .join(', ');
      const probabilities = Object.entries(face.emotion.probabilities)
        .sort((a, b) => b[1] - a[1])
        .map(([label, probability]) => `${label} ${(100 * probability).toFixed(0)}%`)
        .join(', ');
      blocks.push(
        [
          `${image.file}  face ${index + 1}/${image.faces.length}`,
          `  box: x ${box.x.toFixed(0)}, y ${box.y.toFixed(0)}, ${box.width.toFixed(0)}x${box.height.toFixed(0)} (score ${face.detectionScore.toFixed(2)}, roll ${face.rollDegrees.toFixed(1)} deg)`,
          `  AUs: ${aus || '(none past threshold)'}`,
          `  emotion: ${face.emotion.label}  (${probabilities})`,
          `  ${face.reasoning.replace(/\n/g, '\n  ')}`,
        ].join('\n'),
      );
    });
  }
  return `${blocks.join('\n\n')}\n`;
}
