// Runs the analyzer over the development set and stores, per image, what the calibration is fitted
// from: the chosen face's geometric features, both appearance models' outputs, how it was found.
// Output: calibration/.cache/dev-features.json (git-ignored: derived from the dev set).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { faceGeometry } from '../src/pipeline/estimate-action-units';
import { decodeImage, FaceAnalyzer } from '../src/pipeline/face-analyzer';
import { loadDevSet } from './dev-set';

const images = await loadDevSet();
if (typeof images === 'string') {
  console.log(`skipped: ${images}`);
  process.exit(0);
}
const analyzer = await FaceAnalyzer.create();
const records = [];
const started = performance.now();
for (const image of images) {
  const decoded = await decodeImage(image.path);
  const analysis = await analyzer.analyze(decoded);
  const side = Math.max(decoded.width, decoded.height);
  const whole = await analyzer.classify(decoded, {
    centerX: decoded.width / 2,
    centerY: decoded.height / 2,
    size: side,
    angle: 0,
  });
  const face = analysis.faces.reduce<(typeof analysis.faces)[number] | undefined>(
    (best, candidate) => (!best || candidate.detectionScore > best.detectionScore ? candidate : best),
    undefined,
  );
  records.push({
    ...image,
    width: analysis.width,
    height: analysis.height,
    faces: analysis.faces.length,
    whole,
    face: face && {
      source: face.source,
      detectionScore: face.detectionScore,
      meshScore: face.meshScore,
      box: face.box,
      geometry: faceGeometry(face.landmarks),
      models: face.emotion.models,
    },
  });
}
const seconds = (performance.now() - started) / 1000;
await analyzer.dispose();
const directory = join(import.meta.dirname, '.cache');
await mkdir(directory, { recursive: true });
await writeFile(join(directory, 'dev-features.json'), JSON.stringify(records));
console.log(
  `${records.length} images in ${seconds.toFixed(1)} s (${(records.length / seconds).toFixed(1)} images/s)`,
);
