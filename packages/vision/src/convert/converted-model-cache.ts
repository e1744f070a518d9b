import { createHash } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { convertTfjsToOnnx } from './convert-tfjs-to-onnx';
import { readFaceApiExpressionModel } from './face-api-expression-graph';
import { readTfjsGraphModel } from './read-tfjs-graph-model';

/** Bumped whenever the converter's output could change, so stale cache entries are never reused. */
export const CONVERTER_VERSION = '2';

/**
 * The directory converted models are cached in: `options.cacheDir`, else `$FACIAL_R1_CACHE`,
 * else `~/.cache/facial-r1/vision`.
 */
export function resolveCacheDirectory(cacheDir?: string): string {
  return cacheDir ?? process.env.FACIAL_R1_CACHE ?? join(homedir(), '.cache', 'facial-r1', 'vision');
}

/** Options of {@link convertTfjsModelCached}. */
export interface ConvertTfjsModelCachedOptions {
  /** Cache directory; see {@link resolveCacheDirectory}. */
  cacheDir?: string;
}

/** A converted model on disk. */
export interface CachedOnnxModel {
  /** Path of the `.onnx` file. */
  path: string;
  /** Content hash (sha256 of converter version, model.json and every shard), the cache key. */
  hash: string;
  /** True when this call converted the model; false when it came from the cache. */
  converted: boolean;
}

/**
 * Converts a TFJS graph model (or face-api's `face_expression_model-weights_manifest.json`, see
 * `readFaceApiExpressionModel`) to ONNX once and caches the result under a content hash of
 * `model.json` plus its weight shards. The file is written to a temporary name and renamed, so a
 * crashed or concurrent conversion never leaves a half-written model behind.
 */
export async function convertTfjsModelCached(
  modelJsonPath: string,
  options: ConvertTfjsModelCachedOptions = {},
): Promise<CachedOnnxModel> {
  const model = modelJsonPath.endsWith('face_expression_model-weights_manifest.json')
    ? await readFaceApiExpressionModel(modelJsonPath)
    : await readTfjsGraphModel(modelJsonPath);
  const hasher = createHash('sha256').update(`converter:${CONVERTER_VERSION}\n`);
  for (const file of model.files) hasher.update(file.bytes);
  const hash = hasher.digest('hex').slice(0, 32);
  const directory = resolveCacheDirectory(options.cacheDir);
  const path = join(directory, `${basename(modelJsonPath, '.json')}-${hash}.onnx`);
  try {
    if ((await stat(path)).size > 0) return { path, hash, converted: false };
  } catch {
    // Not cached yet (or unreadable): convert below.
  }
  const converted = convertTfjsToOnnx(model, { graphName: basename(modelJsonPath, '.json') });
  await mkdir(directory, { recursive: true });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, converted.bytes);
  await rename(temporary, path);
  return { path, hash, converted: true };
}
