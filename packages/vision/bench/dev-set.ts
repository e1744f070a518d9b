// Our baseline and the two peers on the development set of real labelled faces, in one run:
// per source and overall accuracy, per-class recall, no-face count and faces/s, our ratio to the
// best peer; per-AU F1 of our AUs on the FACS-coded CK+ faces. Each model uses its own detector;
// the top face (highest detector score) answers; an image without a face counts as wrong.
// Peers: @vladmandic/human 3.3.6 (BlazeFace + FaceMesh + its emotion CNN) and @vladmandic/face-api
// 1.7.15 (SSD-MobileNetV1 minConfidence 0.5 + landmarks68 + faceExpressionNet), both on the
// TensorFlow.js WASM backend. Skips with a reason when the dev set is absent.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join, normalize } from 'node:path';
import { type DevImage, loadDevSet } from '../calibration/dev-set';
import calibration from '../src/pipeline/calibration.json';
import { EMOTION_CNN_LABELS } from '../src/pipeline/combine-emotions';
import { AU_MEASURES } from '../src/pipeline/estimate-action-units';
import { decodeImage, FaceAnalyzer } from '../src/pipeline/face-analyzer';
import { faceApiModelsDirectory, humanModelsDirectory } from '../src/shipped-assets';

const images = await loadDevSet();
if (typeof images === 'string') {
  console.log(`bench skipped: ${images}`);
  process.exit(0);
}
// BENCH_PER_CLASS=n keeps the first n images of each class of each source (a quick run); the
// full run takes about 8 minutes on 2 shared cores, most of it face-api's SSD on WASM.
const perClass = Number(process.env.BENCH_PER_CLASS ?? Number.POSITIVE_INFINITY);
const taken = new Map<string, number>();
const emotionImages = images.filter((image) => {
  if (image.source === 'ck') return false;
  const key = `${image.source}/${image.label}`;
  taken.set(key, (taken.get(key) ?? 0) + 1);
  return (taken.get(key) ?? 0) <= perClass;
});
const codedImages = images.filter((image) => image.source === 'ck');
const SOURCES = ['fer2013', 'taiwanese', 'jaffe'] as const;

interface Prediction {
  label: string | null;
  faces: number;
}
interface ModelRun {
  name: string;
  predictions: Prediction[];
  seconds: number;
  /** Process CPU seconds (user + system) spent in the run: robust to other jobs on the machine. */
  cpuSeconds: number;
}

const timeIt = async (name: string, predict: (image: DevImage) => Promise<Prediction>): Promise<ModelRun> => {
  const predictions: Prediction[] = [];
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (const image of emotionImages) predictions.push(await predict(image));
  const used = process.cpuUsage(cpu);
  return {
    name,
    predictions,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
};

// ---- ours ----
const analyzer = await FaceAnalyzer.create();
await analyzer.analyze(emotionImages[0]?.path as string); // warm-up
const ours = await timeIt('ours (baseline)', async (image) => {
  const { faces } = await analyzer.analyze(image.path);
  const best = faces.reduce<(typeof faces)[number] | undefined>(
    (chosen, face) => (!chosen || face.detectionScore > chosen.detectionScore ? face : chosen),
    undefined,
  );
  return { label: best?.emotion.label ?? null, faces: faces.length };
});
const coded: { truth: string[]; present: string[] }[] = [];
for (const image of codedImages) {
  const { faces } = await analyzer.analyze(image.path);
  const best = faces.reduce<(typeof faces)[number] | undefined>(
    (chosen, face) => (!chosen || face.detectionScore > chosen.detectionScore ? face : chosen),
    undefined,
  );
  coded.push({ truth: image.aus ?? [], present: best?.presentAus ?? [] });
}
await analyzer.dispose();

// ---- peers on the TensorFlow.js WASM backend ----
const require = createRequire(import.meta.url);
const wasmPath = `file://${require.resolve('@tensorflow/tfjs-backend-wasm').replace(/dist\/.*$/, 'dist/')}`;
// Human's node-wasm build loads models with fetch, which has no file:// in Node: serve them locally.
const server = createServer(async (request, response) => {
  try {
    const file = normalize((request.url ?? '').replace(/^\/+/, '')).replace(/^(\.\.[/\\])+/, '');
    response.writeHead(200).end(await readFile(join(humanModelsDirectory(), file)));
  } catch {
    response.writeHead(404).end();
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;
const { Human } = require(humanModelsDirectory().replace(/models$/, 'dist/human.node-wasm.js'));
const human = new Human({
  backend: 'wasm',
  wasmPath,
  modelBasePath: `http://127.0.0.1:${port}/`,
  debug: false,
  face: {
    enabled: true,
    detector: { rotation: false, maxDetected: 20 },
    mesh: { enabled: true },
    iris: { enabled: false },
    description: { enabled: false },
    emotion: { enabled: true },
    antispoof: { enabled: false },
    liveness: { enabled: false },
    attention: { enabled: false },
  },
  body: { enabled: false },
  hand: { enabled: false },
  object: { enabled: false },
  gesture: { enabled: false },
  segmentation: { enabled: false },
  filter: { enabled: false },
});
await human.load();
const HUMAN_NAMES: Record<string, string> = {
  angry: 'anger',
  disgust: 'disgust',
  fear: 'fear',
  happy: 'happiness',
  sad: 'sadness',
  surprise: 'surprise',
  neutral: 'neutral',
};
const tensorOf = async (tf: { tensor3d: (...args: unknown[]) => { dispose(): void } }, path: string) => {
  const image = await decodeImage(path);
  return tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
};
await human.detect(await tensorOf(human.tf, emotionImages[0]?.path as string)); // warm-up
const humanRun = await timeIt('@vladmandic/human 3.3.6', async (image) => {
  const tensor = await tensorOf(human.tf, image.path);
  const result = await human.detect(tensor);
  tensor.dispose();
  const faces = result.face as { score: number; emotion?: { score: number; emotion: string }[] }[];
  const best = faces.reduce<(typeof faces)[number] | undefined>(
    (chosen, face) => (!chosen || face.score > chosen.score ? face : chosen),
    undefined,
  );
  const top = best?.emotion?.[0]?.emotion;
  return { label: top ? (HUMAN_NAMES[top] ?? top) : null, faces: faces.length };
});
server.close();

const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
faceapi.tf.wasm?.setWasmPaths?.(wasmPath.replace(/^file:\/\//, ''));
await faceapi.tf.setBackend('wasm');
await faceapi.tf.ready();
await faceapi.nets.ssdMobilenetv1.loadFromDisk(faceApiModelsDirectory());
await faceapi.nets.faceLandmark68Net.loadFromDisk(faceApiModelsDirectory());
await faceapi.nets.faceExpressionNet.loadFromDisk(faceApiModelsDirectory());
const FACE_API_NAMES: Record<string, string> = {
  angry: 'anger',
  disgusted: 'disgust',
  fearful: 'fear',
  happy: 'happiness',
  sad: 'sadness',
  surprised: 'surprise',
  neutral: 'neutral',
};
const ssd = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });
const faceApiDetect = async (path: string) => {
  const tensor = await tensorOf(faceapi.tf, path);
  const faces = await faceapi.detectAllFaces(tensor, ssd).withFaceLandmarks().withFaceExpressions();
  tensor.dispose();
  return faces as { detection: { score: number }; expressions: Record<string, number> }[];
};
await faceApiDetect(emotionImages[0]?.path as string); // warm-up
const faceApiRun = await timeIt('@vladmandic/face-api 1.7.15', async (image) => {
  const faces = await faceApiDetect(image.path);
  const best = faces.reduce<(typeof faces)[number] | undefined>(
    (chosen, face) => (!chosen || face.detection.score > chosen.detection.score ? face : chosen),
    undefined,
  );
  const top = best ? Object.entries(best.expressions).reduce((a, b) => (b[1] > a[1] ? b : a))[0] : undefined;
  return { label: top ? (FACE_API_NAMES[top] ?? top) : null, faces: faces.length };
});

// ---- tables ----
const runs = [ours, humanRun, faceApiRun];
const indicesOf = (source?: string) =>
  emotionImages
    .map((image, index) => (!source || image.source === source ? index : -1))
    .filter((index) => index >= 0);
const accuracy = (run: ModelRun, indices: number[]) =>
  indices.filter((index) => run.predictions[index]?.label === emotionImages[index]?.label).length /
  indices.length;
const noFace = (run: ModelRun, indices: number[]) =>
  indices.filter((index) => run.predictions[index]?.label === null).length;
const faceCount = (run: ModelRun) => run.predictions.reduce((sum, prediction) => sum + prediction.faces, 0);
const facesPerSecond = (run: ModelRun) => faceCount(run) / run.seconds;
const facesPerCpuSecond = (run: ModelRun) => faceCount(run) / run.cpuSeconds;
const pad = (cells: (string | number)[], widths: number[]) =>
  cells.map((cell, index) => String(cell).padEnd(widths[index] ?? 12)).join(' ');

console.log(
  `Dev set: ${emotionImages.length} emotion images (FER2013 ${indicesOf('fer2013').length}, Taiwanese ${indicesOf('taiwanese').length}, JAFFE ${indicesOf('jaffe').length}), ${codedImages.length} FACS-coded CK+ faces. Top face answers; no face = wrong.\n`,
);
const widths = [30, 16, 16, 16, 16, 10, 10, 12];
console.log(
  pad(['model', 'FER2013', 'Taiwanese', 'JAFFE', 'all', 'no face', 'faces/s', 'faces/CPU-s'], widths),
);
for (const run of runs)
  console.log(
    pad(
      [
        run.name,
        ...[...SOURCES, undefined].map((source) => {
          const indices = indicesOf(source);
          return `${accuracy(run, indices).toFixed(3)} (${noFace(run, indices)} nf)`;
        }),
        `${noFace(run, indicesOf())}/${emotionImages.length}`,
        facesPerSecond(run).toFixed(1),
        facesPerCpuSecond(run).toFixed(1),
      ],
      widths,
    ),
  );
const peers = [humanRun, faceApiRun];
const bestPeer = peers.reduce((a, b) => (accuracy(b, indicesOf()) > accuracy(a, indicesOf()) ? b : a));
console.log(
  `\nours / best peer (${bestPeer.name}): accuracy ${(accuracy(ours, indicesOf()) / accuracy(bestPeer, indicesOf())).toFixed(2)}x, faces/s ${(facesPerSecond(ours) / facesPerSecond(bestPeer)).toFixed(2)}x (per CPU-second ${(facesPerCpuSecond(ours) / facesPerCpuSecond(bestPeer)).toFixed(2)}x)\nfaces/s = faces found / wall seconds, whole pipeline from the file (decode included); faces/CPU-s = per CPU-second of this process, what one free core gives (all three run single-threaded).`,
);
const report = (
  calibration as {
    report: { emotion: Record<string, { all: { accuracy: number } } & Record<string, { accuracy: number }>> };
  }
).report;
console.log(
  `ours is fitted on this set (src/pipeline/calibration.json); cross-validated (calibration/fit.ts): leave-one-source-out ${report.emotion.leaveOneSourceOut?.all.accuracy.toFixed(3)} (FER2013 ${report.emotion.leaveOneSourceOut?.fer2013?.accuracy.toFixed(3)}, Taiwanese ${report.emotion.leaveOneSourceOut?.taiwanese?.accuracy.toFixed(3)}, JAFFE ${report.emotion.leaveOneSourceOut?.jaffe?.accuracy.toFixed(3)}), 5-fold ${report.emotion.fiveFold?.all.accuracy.toFixed(3)}`,
);

console.log('\nper-class recall, all emotion images');
console.log(pad(['model', ...EMOTION_CNN_LABELS], [30, 10, 10, 10, 10, 10, 10, 10]));
for (const run of runs)
  console.log(
    pad(
      [
        run.name,
        ...EMOTION_CNN_LABELS.map((label) => {
          const members = indicesOf().filter((index) => emotionImages[index]?.label === label);
          return (
            members.filter((index) => run.predictions[index]?.label === label).length / members.length
          ).toFixed(2);
        }),
      ],
      [30, 10, 10, 10, 10, 10, 10, 10],
    ),
  );

const cvAu = (calibration as { report: { actionUnits: { perAu: Record<string, { f1: number }> } } }).report
  .actionUnits.perAu;
console.log(`\nAU F1 on ${coded.length} FACS-coded CK+ faces (ours; the peers report no AUs)`);
console.log(pad(['AU', 'positives', 'F1 (shipped)', 'F1 (5-fold by subject)'], [8, 10, 14, 22]));
const f1s: number[] = [];
const cvs: number[] = [];
for (const au of Object.keys(AU_MEASURES)) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const { truth, present } of coded) {
    const t = truth.includes(au);
    const p = present.includes(au);
    if (t && p) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  f1s.push(f1);
  cvs.push(cvAu[au]?.f1 ?? 0);
  console.log(pad([au, tp + fn, f1.toFixed(3), (cvAu[au]?.f1 ?? 0).toFixed(3)], [8, 10, 14, 22]));
}
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
console.log(pad(['macro', '', mean(f1s).toFixed(3), mean(cvs).toFixed(3)], [8, 10, 14, 22]));
process.exit(0);
