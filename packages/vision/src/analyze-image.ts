import { FaceAnalyzer, type FaceAnalyzerOptions, type ImageAnalysis } from './pipeline/face-analyzer';

/**
 * One-shot analysis of one image (a path or encoded bytes): opens a {@link FaceAnalyzer},
 * analyses, and releases it. For many images create one `FaceAnalyzer` and reuse it.
 */
export async function analyzeImage(
  image: string | Uint8Array,
  options: FaceAnalyzerOptions = {},
): Promise<ImageAnalysis> {
  const analyzer = await FaceAnalyzer.create(options);
  try {
    return await analyzer.analyze(image);
  } finally {
    await analyzer.dispose();
  }
}
