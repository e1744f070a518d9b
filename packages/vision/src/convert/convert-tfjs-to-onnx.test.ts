import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPhotoPaths, humanModelsDirectory } from '../shipped-assets';
import { ModelFormatError, UnsupportedOpError } from '../errors';
import { convertTfjsToOnnx } from './convert-tfjs-to-onnx';
import { convertTfjsModelCached } from './converted-model-cache';
import { decodeTfjsWeights, readTfjsGraphModel } from './read-tfjs-graph-model';

const humanModels = humanModelsDirectory();
const demoPhotos = dirname(demoPhotoPaths()[0] as string);

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'fr1-vision-convert-'));
  await tf.setBackend('cpu');
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

const models = [
  { name: 'blazeface', size: 256, channels: 3 as const },
  { name: 'facemesh', size: 192, channels: 3 as const },
  { name: 'emotion', size: 64, channels: 1 as const },
];

describe('convertTfjsToOnnx conformance with @tensorflow/tfjs (CPU) on the demo photos', () => {
  for (const { name, size, channels } of models)
    it(`${name}: every output within 1e-4`, async () => {
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
      for (const photo of ['sample1.jpg', 'sample4.jpg']) {
        const pixels = await photoTensor(photo, size, channels);
        // The models' own input ranges: blazeface expects [-1, 1], the others [0, 1].
        const input = name === 'blazeface' ? pixels.map((value) => value * 2 - 1) : pixels;
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
        });
        outputNames.forEach((output, index) => {
          const actual = onnxOutputs[output]?.data as Float32Array;
          const wanted = expected[index] as Float32Array;
          expect(actual.length).toBe(wanted.length);
          // Max absolute error over the output, relative to the output's range once that exceeds 1:
          // the mesh is in pixels (up to 192) and detector logits reach the hundreds, where float32
          // summation-order differences between the two backends alone exceed 1e-4 absolute.
          let error = 0;
          let largest = 0;
          for (let at = 0; at < actual.length; at++) {
            largest = Math.max(largest, Math.abs(wanted[at] as number));
            error = Math.max(error, Math.abs((actual[at] as number) - (wanted[at] as number)));
          }
          const worst = error / Math.max(1, largest);
          if (process.env.FR1_VERBOSE) console.log(name, output, photo, { error, largest });
          expect(worst, `${name} ${output} on ${photo}`).toBeLessThan(1e-4);
        });
      }
      reference.dispose();
      await session.release();
    });
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
