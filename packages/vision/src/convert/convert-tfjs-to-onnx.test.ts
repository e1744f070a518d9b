import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRequire } from 'node:module';
import { demoPhotoPaths, faceApiModelsDirectory, humanModelsDirectory } from '../shipped-assets';
import { FACE_API_EXPRESSION_LABELS, FACE_API_EXPRESSION_MEAN_RGB } from './face-api-expression-graph';
import { ModelFormatError, UnsupportedOpError } from '../errors';
import { convertTfjsToOnnx, SUPPORTED_TFJS_OPS } from './convert-tfjs-to-onnx';
import { convertTfjsModelCached } from './converted-model-cache';
import { decodeTfjsWeights, readTfjsGraphModel } from './read-tfjs-graph-model';

const humanModels = humanModelsDirectory();
const demoPhotos = dirname(demoPhotoPaths()[0] as string);

let cacheDir: string;
/** What tfjs wrote to the console while its CPU backend first ran. */
const tfjsConsole: unknown[][] = [];
beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'fr1-vision-convert-'));
  // tfjs is the reference here, not a runtime: its production mode turns off the banner
  // ("Hi, looks like you are running TensorFlow.js in Node.js ...") it prints on first use,
  // which would otherwise land in every test log.
  tf.enableProdMode();
  await tf.setBackend('cpu');
  const warn = vi.spyOn(console, 'warn').mockImplementation((...args) => void tfjsConsole.push(args));
  const log = vi.spyOn(console, 'log').mockImplementation((...args) => void tfjsConsole.push(args));
  try {
    tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync());
  } finally {
    warn.mockRestore();
    log.mockRestore();
  }
});

it('tfjs writes nothing to the test log (no Node-backend banner)', () => {
  expect(tfjsConsole).toEqual([]);
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** A real photo resized to size x size, as float32 NHWC in [0, 1] (channels 3 or 1). */
async function photoTensor(file: string, size: number, channels: 1 | 3): Promise<Float32Array> {
  let pipeline = sharp(join(demoPhotos, file)).resize(size, size, { fit: 'fill' }).removeAlpha();
  if (channels === 1) pipeline = pipeline.grayscale();
  const { data } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return Float32Array.from(data, (value) => value / 255);
}

/**
 * What the pipeline reads from each model's raw outputs (see face-analyzer.ts), each on a
 * bounded scale: BlazeFace's 896 anchor scores (sigmoid of the logits) and its box and keypoint
 * regressors in units of the 256-pixel input; FaceMesh's 468 x 3 coordinates in units of its
 * 192-pixel crop and its face score; the emotion CNN's softmax probabilities.
 */
function consumed(name: string, outputs: readonly Float32Array[]): Float64Array {
  const bySize = (size: number) => outputs.find((output) => output.length === size) as Float32Array;
  const values: number[] = [];
  if (name === 'blazeface') {
    for (const logits of [bySize(512), bySize(384)])
      for (const logit of logits) values.push(1 / (1 + Math.exp(-logit)));
    for (const regressors of [bySize(512 * 16), bySize(384 * 16)])
      for (const value of regressors) values.push(value / 256);
  } else if (name === 'facemesh') {
    for (const value of bySize(1404)) values.push(value / 192);
    values.push(...bySize(1));
  } else values.push(...(outputs[0] as Float32Array));
  return Float64Array.from(values);
}

const models = [
  // The models' own input ranges, as Human feeds them: blazeface and the emotion CNN [-1, 1],
  // facemesh [0, 1].
  { name: 'blazeface', size: 256, channels: 3 as const, signed: true },
  { name: 'facemesh', size: 192, channels: 3 as const, signed: false },
  { name: 'emotion', size: 64, channels: 1 as const, signed: true },
];

describe('convertTfjsToOnnx conformance with @tensorflow/tfjs (CPU) on the demo photos', () => {
  for (const { name, size, channels, signed } of models)
    it(`${name}: outputs equal tfjs within 1e-4`, async () => {
      const modelJson = join(humanModels, `${name}.json`);
      const tfjsModel = await readTfjsGraphModel(modelJson);
      const cached = await convertTfjsModelCached(modelJson, { cacheDir });
      const session = await ort.InferenceSession.create(cached.path, {
        logSeverityLevel: 3,
        intraOpNumThreads: 1,
      });
      const json = tfjsModel.json;
      const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
      const shardBytes = Buffer.concat(tfjsModel.files.slice(1).map((file) => file.bytes));
      const reference = await tf.loadGraphModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: weightSpecs as tf.io.WeightsManifestEntry[],
          weightData: shardBytes.buffer.slice(
            shardBytes.byteOffset,
            shardBytes.byteOffset + shardBytes.byteLength,
          ),
        }),
      );
      const outputNames = session.outputNames;
      for (const photo of ['sample1.jpg', 'sample4.jpg', 'sample6.jpg']) {
        const pixels = await photoTensor(photo, size, channels);
        const input = signed ? pixels.map((value) => value * 2 - 1) : pixels;
        const shape = [1, size, size, channels];
        const onnxOutputs = await session.run({
          [session.inputNames[0] as string]: new ort.Tensor('float32', input, shape),
        });
        const expected = tf.tidy(() => {
          const result = reference.execute(
            tf.tensor(input, shape),
            outputNames.map((output) => `${output}:0`),
          );
          return (Array.isArray(result) ? result : [result]).map((tensor) => tensor.dataSync().slice());
        }) as Float32Array[];
        const actual = outputNames.map((output) => onnxOutputs[output]?.data as Float32Array);

        // 1. Every raw output: max |onnx - tfjs| <= 1e-4 x max(1, max |tfjs|), the error on the
        // output's own scale. Raw outputs are unbounded: detector logits reach 517 and box
        // regressors and mesh coordinates are pixels in the hundreds, where float32 sums taken in
        // a different order by the two backends already differ by more than 1e-4 absolute (about
        // 1e-6 relative), also on the near-zero elements such sums cancel down to.
        outputNames.forEach((output, index) => {
          const got = actual[index] as Float32Array;
          const want = expected[index] as Float32Array;
          expect(got.length).toBe(want.length);
          let error = 0;
          let scale = 1;
          for (let at = 0; at < got.length; at++) {
            error = Math.max(error, Math.abs((got[at] as number) - (want[at] as number)));
            scale = Math.max(scale, Math.abs(want[at] as number));
          }
          if (process.env.FR1_VERBOSE) console.log(name, output, photo, 'raw', { error, scale });
          expect(error / scale, `${name} ${output} on ${photo}`).toBeLessThanOrEqual(1e-4);
        });

        // 2. What the pipeline consumes, on its bounded scale: 1e-4 absolute, every element.
        const ours = consumed(name, actual);
        const theirs = consumed(name, expected);
        expect(ours.length).toBe(theirs.length);
        let worst = 0;
        for (let at = 0; at < ours.length; at++)
          worst = Math.max(worst, Math.abs((ours[at] as number) - (theirs[at] as number)));
        if (process.env.FR1_VERBOSE) console.log(name, photo, 'consumed', worst);
        expect(worst, `${name} on ${photo}`).toBeLessThanOrEqual(1e-4);
      }
      reference.dispose();
      await session.release();
    });
});

describe("face-api's faceExpressionNet (bare weights) through the converter", () => {
  it('equals face-api itself (its tfjs CPU backend) within 1e-4 on three demo photos', async () => {
    const faceapi = createRequire(import.meta.url)('@vladmandic/face-api/dist/face-api.node-wasm.js');
    await faceapi.tf.setBackend('cpu');
    await faceapi.nets.faceExpressionNet.loadFromDisk(faceApiModelsDirectory());
    const { path } = await convertTfjsModelCached(
      join(faceApiModelsDirectory(), 'face_expression_model-weights_manifest.json'),
      { cacheDir },
    );
    const session = await ort.InferenceSession.create(path);
    const names: Record<string, string> = {
      neutral: 'neutral',
      happiness: 'happy',
      sadness: 'sad',
      anger: 'angry',
      fear: 'fearful',
      disgust: 'disgusted',
      surprise: 'surprised',
    };
    let worst = 0;
    for (const file of ['sample1.jpg', 'sample3.jpg', 'sample6.jpg']) {
      const pixels = (await photoTensor(file, 112, 3)).map((value) => Math.round(value * 255));
      const reference = await faceapi.nets.faceExpressionNet.predictExpressions(
        faceapi.tf.tensor3d(pixels, [112, 112, 3]),
      );
      const input = pixels.map(
        (value, index) => (value - (FACE_API_EXPRESSION_MEAN_RGB[index % 3] as number)) / 255,
      );
      const { Softmax } = await session.run({ input: new ort.Tensor('float32', input, [1, 112, 112, 3]) });
      FACE_API_EXPRESSION_LABELS.forEach((label, index) => {
        worst = Math.max(
          worst,
          Math.abs((Softmax?.data[index] as number) - reference[names[label] as string]),
        );
      });
    }
    await session.release();
    expect(worst).toBeLessThan(1e-4);
  }, 60_000);
});

describe('convertTfjsModelCached', () => {
  it('converts once, then answers from the cache by content hash', async () => {
    const modelJson = join(humanModels, 'emotion.json');
    const first = await convertTfjsModelCached(modelJson, { cacheDir });
    const second = await convertTfjsModelCached(modelJson, { cacheDir });
    expect(second.converted).toBe(false);
    expect(second.path).toBe(first.path);
    expect((await stat(first.path)).size).toBeGreaterThan(100_000);
  });
});

describe('errors', () => {
  it('names the unsupported op and node', async () => {
    const model = await readTfjsGraphModel(join(humanModels, 'emotion.json'));
    const node = model.json.modelTopology.node.find((candidate) => candidate.op === 'Softmax');
    if (!node) throw new Error('fixture lacks Softmax');
    const broken = {
      ...model,
      json: {
        ...model.json,
        modelTopology: {
          node: model.json.modelTopology.node.map((candidate) =>
            candidate === node ? { ...candidate, op: 'NonMaxSuppressionV5' } : candidate,
          ),
        },
      },
    };
    expect(() => convertTfjsToOnnx(broken)).toThrow(UnsupportedOpError);
    expect(() => convertTfjsToOnnx(broken)).toThrow(/NonMaxSuppressionV5.*node ".*Softmax/);
  });

  it('dispatches only on the op-handler table (no Object.prototype members), listed in SUPPORTED_TFJS_OPS', async () => {
    const model = await readTfjsGraphModel(join(humanModels, 'emotion.json'));
    for (const op of ['constructor', 'toString', '__proto__']) {
      const broken = {
        ...model,
        json: {
          ...model.json,
          modelTopology: { node: [...model.json.modelTopology.node, { name: 'odd', op, input: [] }] },
        },
      };
      expect(() => convertTfjsToOnnx(broken)).toThrow(new RegExp(`"${op}" \\(node "odd"\\)`));
    }
    expect(SUPPORTED_TFJS_OPS).toContain('Softmax');
    expect(new Set(SUPPORTED_TFJS_OPS).size).toBe(SUPPORTED_TFJS_OPS.length);
  });

  it('dequantizes uint8, uint16 and float16 weights', () => {
    const bytes = new Uint8Array([0, 255, 0, 0, 0xff, 0xff, 0x00, 0x3c, 0x00, 0xc0]);
    const weights = decodeTfjsWeights(
      [
        {
          paths: ['x.bin'],
          weights: [
            {
              name: 'a',
              shape: [2],
              dtype: 'float32',
              quantization: { dtype: 'uint8', scale: 0.5, min: -1 },
            },
            { name: 'b', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 2, min: 1 } },
            { name: 'c', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
          ],
        },
      ],
      [bytes],
    );
    expect(Array.from(weights.get('a')?.data ?? [])).toEqual([-1, 126.5]);
    expect(Array.from(weights.get('b')?.data ?? [])).toEqual([1, 131071]);
    expect(Array.from(weights.get('c')?.data ?? [])).toEqual([1, -2]);
  });

  it('reports truncated shards as a model format error', () => {
    expect(() =>
      decodeTfjsWeights(
        [{ paths: ['x.bin'], weights: [{ name: 'a', shape: [4], dtype: 'float32' }] }],
        [new Uint8Array(8)],
      ),
    ).toThrow(ModelFormatError);
  });
});
