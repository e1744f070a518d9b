// Sets `accuracy_level` on an ONNX model's `com.microsoft` MatMulNBits nodes, in its bytes.
//
// 4-bit exports differ in one attribute: ONNX Runtime GenAI's CPU int4 exports set
// `accuracy_level` 4 (onnxruntime quantizes each activation row to int8 and multiplies with
// int8 dot products: AVX-VNNI / ARM SDOT), while onnxruntime's `MatMul4BitsQuantizer`, which
// transformers.js's quantize script runs, leaves it unset, so the same weights run a float32
// dequantize-and-multiply (2.9x slower over 24 one-row 896x4864 matmuls on 2 cores; a whole
// 0.5B decode step 1.4x slower, see the runtime README).
// The rewrite is surgical on the wire format: only the NodeProtos of MatMulNBits nodes (and the
// lengths of the messages around them) change; initializers, external-data references and any
// field this code does not know are copied byte for byte.
import protobuf from 'protobufjs/minimal.js';
import {
  ACCURACY_LEVELS_EXPECTED,
  isMatMulNBitsAccuracyLevel,
  type MatMulNBitsAccuracyLevel,
} from './accuracy-levels';

const { Reader, Writer } = protobuf;

export type { MatMulNBitsAccuracyLevel } from './accuracy-levels';

const LENGTH_DELIMITED = 2;
// Field numbers of onnx.proto3 (ONNX IR).
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_INT = 3;
const ATTRIBUTE_GRAPH = 6;
const ATTRIBUTE_GRAPHS = 11;
const ATTRIBUTE_TYPE = 20;
const ATTRIBUTE_TYPE_INT = 2;

interface Field {
  readonly number: number;
  readonly wireType: number;
  /** The whole field: tag, length and value. */
  readonly raw: Uint8Array;
  /** A length-delimited field's value. */
  readonly value?: Uint8Array;
}

function readFields(bytes: Uint8Array): Field[] {
  const reader = Reader.create(bytes);
  const fields: Field[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    const number = tag >>> 3;
    const wireType = tag & 7;
    if (number === 0) throw new Error(`field number 0 at byte ${start}`);
    if (wireType === LENGTH_DELIMITED) {
      const length = reader.uint32();
      const from = reader.pos;
      if (from + length > reader.len) throw new Error(`a field runs past the end at byte ${start}`);
      reader.pos = from + length;
      fields.push({
        number,
        wireType,
        raw: bytes.subarray(start, reader.pos),
        value: bytes.subarray(from, from + length),
      });
    } else {
      reader.skipType(wireType);
      fields.push({ number, wireType, raw: bytes.subarray(start, reader.pos) });
    }
  }
  return fields;
}

/** A length-delimited field `number` holding `chunks`, as chunks (no copy of their bytes). */
function messageField(number: number, chunks: readonly Uint8Array[]): Uint8Array[] {
  const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const head = Writer.create()
    .uint32((number << 3) | LENGTH_DELIMITED)
    .uint32(length)
    .finish();
  return [head, ...chunks];
}

const text = (value: Uint8Array | undefined) => (value ? Buffer.from(value).toString('utf8') : '');

function accuracyAttribute(level: number): Uint8Array {
  const attribute = Writer.create()
    .uint32((ATTRIBUTE_NAME << 3) | LENGTH_DELIMITED)
    .string('accuracy_level')
    .uint32(ATTRIBUTE_INT << 3)
    .int64(level)
    .uint32(ATTRIBUTE_TYPE << 3)
    .uint32(ATTRIBUTE_TYPE_INT)
    .finish();
  return Buffer.concat(messageField(NODE_ATTRIBUTE, [attribute]));
}

interface Rewrite {
  readonly level: number;
  count: number;
}

/** A rewritten message, or undefined when nothing in it changed (the caller keeps its bytes). */
type Rewritten = Uint8Array[] | undefined;

function rewriteFields(fields: readonly Field[], descend: (field: Field) => Rewritten): Rewritten {
  let changed = false;
  const chunks: Uint8Array[] = [];
  for (const field of fields) {
    const inner = field.value ? descend(field) : undefined;
    if (inner) {
      changed = true;
      chunks.push(...messageField(field.number, inner));
    } else chunks.push(field.raw);
  }
  return changed ? chunks : undefined;
}

function rewriteGraph(bytes: Uint8Array, rewrite: Rewrite): Rewritten {
  return rewriteFields(readFields(bytes), (field) =>
    field.number === GRAPH_NODE ? rewriteNode(field.value as Uint8Array, rewrite) : undefined,
  );
}

function rewriteNode(bytes: Uint8Array, rewrite: Rewrite): Rewritten {
  const fields = readFields(bytes);
  const opType = text(fields.find((field) => field.number === NODE_OP_TYPE)?.value);
  const domain = text(fields.find((field) => field.number === NODE_DOMAIN)?.value);
  if (opType === 'MatMulNBits' && domain === 'com.microsoft') {
    rewrite.count += 1;
    const kept = fields.filter(
      (field) =>
        !(
          field.number === NODE_ATTRIBUTE &&
          readFields(field.value as Uint8Array).some(
            (inner) => inner.number === ATTRIBUTE_NAME && text(inner.value) === 'accuracy_level',
          )
        ),
    );
    return [...kept.map((field) => field.raw), accuracyAttribute(rewrite.level)];
  }
  // Control flow (If, Loop, Scan) holds subgraphs in its attributes: merged decoders put the
  // layers inside an If.
  return rewriteFields(fields, (field) => {
    if (field.number !== NODE_ATTRIBUTE) return undefined;
    return rewriteFields(readFields(field.value as Uint8Array), (inner) =>
      inner.number === ATTRIBUTE_GRAPH || inner.number === ATTRIBUTE_GRAPHS
        ? rewriteGraph(inner.value as Uint8Array, rewrite)
        : undefined,
    );
  });
}

/**
 * The model in `bytes` with `accuracy_level` set to `level` on every `com.microsoft` MatMulNBits
 * node, in the main graph and in control-flow subgraphs; everything else is kept byte for byte.
 * `nodes` is how many nodes were set (0: `bytes` is returned unchanged).
 * @throws Error when `bytes` is not a protobuf message
 */
export function setMatMulNBitsAccuracyLevel(
  bytes: Uint8Array,
  level: MatMulNBitsAccuracyLevel,
): { bytes: Uint8Array; nodes: number } {
  if (!isMatMulNBitsAccuracyLevel(level))
    throw new RangeError(`accuracy level ${level}; ${ACCURACY_LEVELS_EXPECTED}`);
  // No node can name the op when its name is nowhere in the bytes (a float export): nothing to parse.
  if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf('MatMulNBits') < 0)
    return { bytes, nodes: 0 };
  const rewrite: Rewrite = { level, count: 0 };
  const chunks = rewriteFields(readFields(bytes), (field) =>
    field.number === MODEL_GRAPH ? rewriteGraph(field.value as Uint8Array, rewrite) : undefined,
  );
  return chunks ? { bytes: Buffer.concat(chunks), nodes: rewrite.count } : { bytes, nodes: 0 };
}
