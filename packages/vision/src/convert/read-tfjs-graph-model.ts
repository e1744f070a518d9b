import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ModelFormatError } from '../errors';

/** One node of a TFJS graph model (`modelTopology.node[]`), as in TensorFlow's NodeDef JSON. */
export interface TfjsNode {
  /** Unique node name. */
  name: string;
  /** TensorFlow op type. */
  op: string;
  /** Inputs as `name`, `name:k` or `^control`. */
  input?: string[];
  /** Attributes in TensorFlow's AttrValue JSON form. */
  attr?: Record<string, TfjsAttribute>;
}

/** A TensorFlow AttrValue in JSON form (only the fields graph models use). */
export interface TfjsAttribute {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: { dim?: { size: string | number }[]; unknownRank?: boolean };
  list?: { s?: string[]; i?: (string | number)[]; f?: number[] };
  tensor?: unknown;
}

/** One weight entry of `weightsManifest[].weights[]`. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | string;
  quantization?: {
    dtype: 'uint8' | 'uint16' | 'float16';
    scale?: number;
    min?: number;
    original_dtype?: string;
  };
}

/** A TFJS graph model decoded into memory: nodes plus dequantized constant tensors. */
export interface TfjsGraphModel {
  /** The parsed `model.json`. */
  json: {
    format?: string;
    modelTopology: { node: TfjsNode[] };
    weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
    signature?: unknown;
  };
  /** Constant values by node name: float32 or int32 data with its shape. */
  weights: Map<string, { dtype: 'float32' | 'int32'; shape: number[]; data: Float32Array | Int32Array }>;
  /** The raw bytes of `model.json` and of every shard in manifest order (for hashing). */
  files: { path: string; bytes: Uint8Array }[];
}

const bytesPerElement: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * Decodes the weights of a TFJS manifest from the concatenated shard bytes of each group,
 * dequantizing uint8/uint16 (`value = q * scale + min`) and float16 entries.
 */
export function decodeTfjsWeights(
  manifest: TfjsGraphModel['json']['weightsManifest'],
  groupBytes: Uint8Array[],
  source = 'model.json',
): TfjsGraphModel['weights'] {
  const weights: TfjsGraphModel['weights'] = new Map();
  manifest.forEach((group, groupIndex) => {
    const bytes = groupBytes[groupIndex];
    if (!bytes) throw new ModelFormatError(`${source}: weightsManifest[${groupIndex}] has no shard bytes`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 0;
    for (const spec of group.weights) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const storedType = spec.quantization?.dtype ?? spec.dtype;
      const width = bytesPerElement[storedType];
      if (width === undefined)
        throw new ModelFormatError(
          `${source}: weight "${spec.name}" has dtype "${storedType}"; expected float32, int32, bool, uint8, uint16 or float16`,
        );
      const size = count * width;
      if (offset + size > bytes.byteLength)
        throw new ModelFormatError(
          `${source}: weight "${spec.name}" needs bytes ${offset}..${offset + size} but the shards of group ${groupIndex} hold ${bytes.byteLength}; the weight files are truncated or do not belong to this model.json`,
        );
      const targetType = spec.dtype === 'int32' || spec.dtype === 'bool' ? 'int32' : 'float32';
      const data = targetType === 'int32' ? new Int32Array(count) : new Float32Array(count);
      const quantization = spec.quantization;
      for (let index = 0; index < count; index++) {
        const at = offset + index * width;
        let value: number;
        switch (storedType) {
          case 'float32':
            value = view.getFloat32(at, true);
            break;
          case 'int32':
            value = view.getInt32(at, true);
            break;
          case 'bool':
          case 'uint8':
            value = view.getUint8(at);
            break;
          case 'uint16':
            value = view.getUint16(at, true);
            break;
          default:
            value = float16ToFloat32(view.getUint16(at, true));
        }
        if (quantization && quantization.dtype !== 'float16')
          value = value * (quantization.scale ?? 1) + (quantization.min ?? 0);
        data[index] = targetType === 'int32' ? Math.round(value) : value;
      }
      weights.set(spec.name, { dtype: targetType, shape: spec.shape, data });
      offset += size;
    }
  });
  return weights;
}

/**
 * Reads the weight shards a TFJS weights manifest lists (paths relative to `manifestPath`),
 * one concatenated buffer per group, appending each file read to `files`.
 */
export async function readWeightGroups(
  manifest: readonly { readonly paths: readonly string[] }[],
  manifestPath: string,
  files: { path: string; bytes: Uint8Array }[],
): Promise<Uint8Array[]> {
  const groupBytes: Uint8Array[] = [];
  for (const group of manifest) {
    const parts: Uint8Array[] = [];
    for (const shard of group.paths) {
      const shardPath = join(dirname(manifestPath), shard);
      try {
        const bytes = await readFile(shardPath);
        parts.push(bytes);
        files.push({ path: shardPath, bytes });
      } catch (error) {
        throw new ModelFormatError(
          `Cannot read weight shard ${shardPath} listed in ${manifestPath}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    groupBytes.push(Buffer.concat(parts));
  }
  return groupBytes;
}

/** Reads a TFJS graph model (`model.json` and its weight shards) from disk. */
export async function readTfjsGraphModel(modelJsonPath: string): Promise<TfjsGraphModel> {
  let jsonBytes: Uint8Array;
  try {
    jsonBytes = await readFile(modelJsonPath);
  } catch (error) {
    throw new ModelFormatError(`Cannot read TFJS model ${modelJsonPath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let json: TfjsGraphModel['json'];
  try {
    json = JSON.parse(new TextDecoder().decode(jsonBytes));
  } catch (error) {
    throw new ModelFormatError(`${modelJsonPath} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!json?.modelTopology?.node || !Array.isArray(json.weightsManifest))
    throw new ModelFormatError(
      `${modelJsonPath} is not a TFJS graph model: expected "modelTopology.node" and "weightsManifest" (layers models are not supported)`,
    );
  const files = [{ path: modelJsonPath, bytes: jsonBytes }];
  const groupBytes = await readWeightGroups(json.weightsManifest, modelJsonPath, files);
  return { json, weights: decodeTfjsWeights(json.weightsManifest, groupBytes, modelJsonPath), files };
}
