// Faces per second of the whole pipeline and per stage on this machine, and the same three
// models run by @tensorflow/tfjs (CPU backend) on the same inputs, measured in this run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readTfjsGraphModel } from '../src/convert/read-tfjs-graph-model';
import { decodeImage, FaceAnalyzer } from '../src/pipeline/face-analyzer';
import { demoPhotoPaths, humanModelsDirectory } from '../src/shipped-assets';

const rounds = Number(process.env.ROUNDS ?? 3);
const cacheDir = await mkdtemp(join(tmpdir(), 'fr1-vision-bench-'));
const analyzer = await FaceAnalyzer.create({ cacheDir });
const images = await Promise.all(demoPhotoPaths().map((photo) => decodeImage(photo)));
await analyzer.analyze(images[0] as (typeof images)[number]); // warm-up

const totals = { decode: 0, detect: 0, landmarks: 0, emotion: 0, reasoning: 0 };
let faces = 0;
const started = performance.now();
for (let round = 0; round < rounds; round++)
  for (const image of images) {
    const result = await analyzer.analyze(image);
    faces += result.faces.length;
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += result.timings[key];
  }
const wallMs = performance.now() - started;
const decodeStart = performance.now();
for (const photo of demoPhotoPaths()) await decodeImage(photo);
const decodeMsPerImage = (performance.now() - decodeStart) / images.length;
await analyzer.dispose();

await tf.setBackend('cpu');
const load = async (name: string) => {
  const model = await readTfjsGraphModel(join(humanModelsDirectory(), `${name}.json`));
  const weights = Buffer.concat(model.files.slice(1).map((file) => file.bytes));
  return tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: model.json.modelTopology,
      weightSpecs: model.json.weightsManifest.flatMap(
        (group) => group.weights,
      ) as tf.io.WeightsManifestEntry[],
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
};
const time = (model: tf.GraphModel, shape: number[], count: number) => {
  const input = tf.randomUniform(shape);
  tf.tidy(() => model.execute(input)); // warm-up
  const start = performance.now();
  for (let index = 0; index < count; index++) tf.tidy(() => model.execute(input) as tf.Tensor[] | tf.Tensor);
  input.dispose();
  return performance.now() - start;
};
const facesPerImage = faces / (rounds * images.length);
const tfjsDetect = time(await load('blazeface'), [1, 256, 256, 3], rounds * images.length);
const tfjsMesh = time(await load('facemesh'), [1, 192, 192, 3], faces);
const tfjsEmotion = time(await load('emotion'), [1, 64, 64, 1], faces);
await rm(cacheDir, { recursive: true, force: true });

const perSecond = (ms: number) => (faces / (ms / 1000)).toFixed(1);
const rows = [
  ['stage', 'onnxruntime (faces/s)', 'tfjs cpu, model only (faces/s)', 'ratio'],
  [
    'detect (per face)',
    perSecond(totals.detect),
    perSecond(tfjsDetect),
    (tfjsDetect / totals.detect).toFixed(2),
  ],
  ['landmarks', perSecond(totals.landmarks), perSecond(tfjsMesh), (tfjsMesh / totals.landmarks).toFixed(2)],
  ['emotion', perSecond(totals.emotion), perSecond(tfjsEmotion), (tfjsEmotion / totals.emotion).toFixed(2)],
  ['AUs + reasoning', perSecond(totals.reasoning), '-', '-'],
  [
    'whole pipeline (wall)',
    perSecond(wallMs),
    perSecond(tfjsDetect + tfjsMesh + tfjsEmotion),
    ((tfjsDetect + tfjsMesh + tfjsEmotion) / wallMs).toFixed(2),
  ],
];
console.log(
  `${rounds} rounds x ${images.length} demo photos, ${faces} faces (${facesPerImage.toFixed(1)} per image); image decode ${decodeMsPerImage.toFixed(1)} ms/image (excluded above)`,
);
for (const row of rows) console.log(row.map((cell, index) => cell.padEnd(index === 0 ? 24 : 32)).join(''));
console.log(
  'ratio = tfjs time / onnxruntime time (>1: onnxruntime faster). The onnxruntime columns include pre/post-processing (crop sampling, anchor decoding, NMS); the tfjs columns are model execution only.',
);
