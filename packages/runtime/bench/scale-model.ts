// The realistic-scale bench model: random weights with the real Qwen2-VL 0.5B-class text
// dimensions (hidden 896, 24 layers, 14 heads, 2 key/value heads, MLP 4864, vocabulary 151936),
// written once into a cache folder and reused by later runs.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type TinyModelDtype, writeTinyQwenVLModel } from '@facial-r1/tiny-models';

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

/** Where the bench keeps it (gitignored). */
export const SCALE_CACHE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '.cache');

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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dtypes = (process.argv[2] ?? 'fp32,q4f16,q8').split(',') as TinyModelDtype[];
  console.log(await ensureScaleModel(dtypes));
}
