// The realistic-scale bench model: random weights with the real Qwen2-VL 0.5B-class text
// dimensions (hidden 896, 24 layers, 14 heads, 2 key/value heads, MLP 4864, vocabulary 151936),
// written once into a cache folder and reused by later runs.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TINY_MODEL_DTYPE_SUFFIXES, type TinyModelDtype, writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import * as ort from 'onnxruntime-node';

/** The model's dimensions (the writer's options). */
export const SCALE_MODEL = {
  architecture: 'qwen2-vl',
  seed: 5,
  hiddenSize: 896,
  layers: 24,
  heads: 14,
  kvHeads: 2,
  intermediateSize: 4864,
  visionHiddenSize: 32,
  maxPixels: 200704,
  maxPositionEmbeddings: 32768,
  numLogitsToKeep: true,
  externalData: true,
} as const;

/** Where the bench keeps it: `FEA_SCALE_CACHE`, else the package's `.cache` (gitignored). */
export const SCALE_CACHE =
  process.env.FEA_SCALE_CACHE ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '.cache');

/**
 * The model directory with the given weight formats, written on first use (minutes, ~2.5 GB for
 * fp32); a folder is used only when its `written.json` names the same dimensions and formats.
 */
export async function ensureScaleModel(dtypes: readonly TinyModelDtype[]): Promise<string> {
  const name = 'qwen2-vl-0.5b-gqa';
  const directory = path.join(SCALE_CACHE, name);
  const marker = path.join(directory, 'written.json');
  const wanted = { ...SCALE_MODEL };
  let have: TinyModelDtype[] = [];
  try {
    const written = JSON.parse(await readFile(marker, 'utf8'));
    if (JSON.stringify(written.model) === JSON.stringify(wanted)) have = written.dtypes;
  } catch {}
  const missing = dtypes.filter((dtype) => !have.includes(dtype));
  if (missing.length === 0) return directory;
  // Written beside, then moved in: an interrupted write never looks finished.
  const staging = `${directory}.staging`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(SCALE_CACHE, { recursive: true });
  const started = performance.now();
  console.error(`writing ${missing.join(', ')} of the 0.5B bench model into ${directory} ...`);
  await writeTinyQwenVLModel(staging, { ...SCALE_MODEL, dtypes: missing });
  await mkdir(path.join(directory, 'onnx'), { recursive: true });
  const { readdir } = await import('node:fs/promises');
  for (const file of await readdir(path.join(staging, 'onnx')))
    await rename(path.join(staging, 'onnx', file), path.join(directory, 'onnx', file));
  for (const file of await readdir(staging)) {
    if (file !== 'onnx') await rename(path.join(staging, file), path.join(directory, file));
  }
  // transformers.js reads `<graph>.onnx_data` when the config asks for external data.
  const configFile = path.join(directory, 'config.json');
  const config = JSON.parse(await readFile(configFile, 'utf8'));
  config['transformers.js_config'] = { use_external_data_format: true };
  await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
  await rm(staging, { recursive: true, force: true });
  await writeFile(marker, JSON.stringify({ model: wanted, dtypes: [...have, ...missing] }));
  console.error(`written in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return directory;
}

/** The decoder graph of a weight format in the bench model's folder (transformers.js's file names). */
export function scaleDecoderFile(directory: string, dtype: TinyModelDtype): string {
  return path.join(directory, 'onnx', `decoder_model_merged${TINY_MODEL_DTYPE_SUFFIXES[dtype]}.onnx`);
}

/** Whether a weight format's activations, caches and logits are float16. */
export const halfPrecision = (dtype: TinyModelDtype) => dtype === 'fp16' || dtype === 'q4f16';

/** A float tensor in the format's float type, every element about 0.1. */
export function constantFloats(dtype: TinyModelDtype, length: number, dims: number[]): ort.Tensor {
  return halfPrecision(dtype)
    ? new ort.Tensor('float16', new Uint16Array(length).fill(0x2e66), dims)
    : new ort.Tensor('float32', new Float32Array(length).fill(0.1), dims);
}

/**
 * Feeds for one decode step of the bench model's decoder: `batch` rows of one new token over a
 * `context`-token cache (constant values: the cost of a step does not depend on them).
 */
export function decodeStepFeeds(
  dtype: TinyModelDtype,
  batch: number,
  context: number,
): Record<string, ort.Tensor> {
  const { hiddenSize: hidden, layers, kvHeads } = SCALE_MODEL;
  const headDimension = hidden / SCALE_MODEL.heads;
  const feeds: Record<string, ort.Tensor> = {
    inputs_embeds: constantFloats(dtype, batch * hidden, [batch, 1, hidden]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * (context + 1)).fill(1n), [
      batch,
      context + 1,
    ]),
    position_ids: new ort.Tensor('int64', new BigInt64Array(3 * batch).fill(BigInt(context)), [3, batch, 1]),
    num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(1n), []),
  };
  for (let layer = 0; layer < layers; layer += 1)
    for (const kind of ['key', 'value'])
      feeds[`past_key_values.${layer}.${kind}`] = constantFloats(
        dtype,
        batch * kvHeads * context * headDimension,
        [batch, kvHeads, context, headDimension],
      );
  return feeds;
}

// Run directly (`tsx bench/scale-model.ts fp32,q8`), it writes the model; imported, nothing (the
// file name is compared, not import.meta.url, which a bundle shares among all its modules).
if (path.basename(process.argv[1] ?? '') === 'scale-model.ts') {
  const dtypes = (process.argv[2] ?? 'fp32,q4f16,q8').split(',') as TinyModelDtype[];
  console.log(await ensureScaleModel(dtypes));
}
