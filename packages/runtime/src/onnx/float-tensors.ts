import * as ort from 'onnxruntime-node';

/** The float element types a graph may declare for activations, caches and logits. */
export type FloatType = 'float32' | 'float16';
/** The data of a float tensor: float32 values, or float16 bits (onnxruntime-node's form). */
export type FloatData = Float32Array | Uint16Array;

let halfTable: Float32Array | undefined;

/** Every float16 bit pattern's float32 value (256 KB, built on first use). */
function halves(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits += 1) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    halfTable[bits] =
      exponent === 0
        ? sign * mantissa * 2 ** -24
        : exponent === 31
          ? mantissa
            ? Number.NaN
            : sign * Number.POSITIVE_INFINITY
          : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return halfTable;
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** float16 bits of a float32 value, rounded to nearest even. */
function halfBits(value: number): number {
  scratch[0] = value;
  const bits = scratchBits[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const halfExponent = exponent - 112;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    const rounded = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (rounded + (remainder > halfway || (remainder === halfway && rounded & 1) ? 1 : 0));
  }
  const rounded = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  return sign | (rounded + (remainder > 0x1000 || (remainder === 0x1000 && rounded & 1) ? 1 : 0));
}

/** The values as float32 (a view, not a copy, when they already are). */
export function toFloat32(data: FloatData): Float32Array {
  if (data instanceof Float32Array) return data;
  const table = halves();
  const values = new Float32Array(data.length);
  for (let index = 0; index < data.length; index += 1) values[index] = table[data[index] as number] as number;
  return values;
}

/** The values in the given float type (the same array when it already is). */
export function toFloatType(data: FloatData, type: FloatType): FloatData {
  if (type === 'float32') return toFloat32(data);
  if (data instanceof Uint16Array) return data;
  const bits = new Uint16Array(data.length);
  for (let index = 0; index < data.length; index += 1) bits[index] = halfBits(data[index] as number);
  return bits;
}

/** A zeroed array of the float type. */
export function floatArray(type: FloatType, length: number): FloatData {
  return type === 'float16' ? new Uint16Array(length) : new Float32Array(length);
}

/** A float tensor of the type (float16 data as bits). */
export function floatTensor(type: FloatType, data: FloatData, dims: readonly number[]): ort.Tensor {
  return type === 'float16'
    ? new ort.Tensor('float16', data as Uint16Array, dims)
    : new ort.Tensor('float32', data as Float32Array, dims);
}
