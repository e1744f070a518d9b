import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { ContextLengthError, ModelFileError } from '../errors';
import { IncrementalDecoder } from '../generation/incremental-decoder';
import { computeRopeIndex } from '../generation/rope-index';
import { argMax, sampleToken } from '../generation/sample-token';
import { createStoppingCriteria, type StoppingCriteria } from '../generation/stopping-criteria';
import { SeededRandom } from '../generation/seeded-random';
import {
  type ProcessedImage,
  processQwenImage,
  readImageProcessorConfig,
} from '../image/qwen-image-processor';
import type {
  ChatMessage,
  Completion,
  FeaModel,
  GenerateRequest,
  GenerateResult,
  ImageInput,
  PromptInput,
  PromptResult,
  SamplingOptions,
} from '../model';
import { EXECUTION_PROVIDERS, type OnnxDevice } from './execution-providers';
import {
  type FloatData,
  type FloatType,
  floatArray,
  floatTensor,
  toFloat32,
  toFloatType,
} from './float-tensors';
import {
  type DecoderSignature,
  readDecoderSignature,
  readEmbeddingType,
  readVisionSignature,
  type VisionSignature,
} from './graph-signature';
import { findDecoderGraph, type ModelFiles, type OnnxDtype, readModelFiles } from './model-files';
import {
  ACCURACY_LEVELS_EXPECTED,
  isMatMulNBitsAccuracyLevel,
  type MatMulNBitsAccuracyLevel,
} from './accuracy-levels';
import { setMatMulNBitsAccuracyLevel } from './matmul-nbits-accuracy';
import { startOnnxWorkers } from './onnx-worker-pool';
import { tile, tilePositions, truncateCache } from './batch-tiling';
import { DRAFT_TOKENS_EXPECTED, isDraftTokens, Q8_DRAFT_REASON } from './draft-options';

/** Options of {@link createOnnxModel}. */
export interface OnnxModelOptions {
  /** Execution device. Default `cpu`; `cuda` falls back to CPU with a warning when its libraries are missing. */
  readonly device?: OnnxDevice;
  /** CUDA device index. Default 0. */
  readonly deviceId?: number;
  /** Weight format, chooses the graph files by suffix. Default `fp32`. */
  readonly dtype?: OnnxDtype;
  /** Intra-op threads per session (`intraOpNumThreads`). Default: onnxruntime's choice. */
  readonly threads?: number;
  /**
   * Let onnxruntime's intra-op threads spin between runs (`session.intra_op.allow_spinning`)
   * instead of sleeping. Default `'decoder'`: the decoder session spins when its files exceed 256
   * MB (a step is then a pass over real weights, with hundreds of parallel sections whose threads
   * would otherwise be woken from sleep: at 0.5B on 2 cores, 15-20% faster q8 and q4 steps, fp32
   * unchanged); smaller decoders (per-op overhead, where spinning cost 10-20% on the tiny bench
   * model) and the vision and embedding sessions (once a prompt; spinning threads would take the
   * cores the next session needs) sleep. With `workers` > 1 the default is `false`: the workers'
   * decoders run at the same time and spinning threads would take each other's cores (2 workers
   * on 2 cores: 2.0 s against 1.5 s a batch). `true` spins in every session, `false` in none.
   */
  readonly spinning?: boolean | 'decoder';
  /**
   * Decode single sequences (`n` = 1) with a second decoder session that keeps its weights
   * unpacked (a second copy of the decoder's weights). onnxruntime pre-packs constant MatMul
   * weights for its blocked GEMM. Where a step is dominated by per-op overhead (the tiny bench
   * model, 40 MB) an unpacked one-row step is about a third faster (1.65 against 2.4 ms); where
   * it reads real weights (0.5B fp32, 2 GB) the packed one is as fast or faster (11.6-12.8 against
   * 11.0-11.4 tokens/s on 2 cores, see the README). Default `'auto'`: on for float (`fp32`/`fp16`)
   * CPU decoders whose files (graph and `.onnx_data`) take at most 256 MB and a quarter of the
   * machine's memory, off otherwise; quantized decoders always keep their pre-packed weights
   * (unpacked, a q4 step is ~30x slower).
   */
  readonly singleStreamDecoder?: boolean | 'auto';
  /**
   * Run every 4-bit `MatMulNBits` node at this `accuracy_level`, whatever its export set: 4
   * quantizes each activation row to int8 and multiplies with int8 dot products (AVX-VNNI, ARM
   * SDOT), 1 computes in float32, 2 fp16, 3 bf16. transformers.js's quantize script leaves the
   * level unset, which onnxruntime's CPU kernel runs as a float32 dequantize-and-multiply; ONNX
   * Runtime GenAI's CPU int4 exports set 4. At 0.5B on 2 CPU cores, level 4 made a `q4` decode
   * step 1.4x faster than as exported, 3.1x the fp32 step (see the README). It changes results slightly: a greedy token whose top
   * logits nearly tie can differ (onnxruntime#29849). The graph is rewritten in memory when
   * loaded; the files are untouched (a graph whose weights are inline rather than in
   * `.onnx_data` is held twice while it loads). Applies to the quantized dtypes (`q8`, `q4`, `q4f16`).
   * Default: as exported.
   */
  readonly matMulNBitsAccuracyLevel?: MatMulNBitsAccuracyLevel;
  /**
   * Speculative decoding for greedy single sequences (`n` = 1, temperature 0): a second decoder,
   * this weight format's (`q8` is the usual choice), drafts {@link draftTokens} tokens one by one
   * and the main decoder checks them all in one run, keeping the drafted tokens up to the first
   * it would not have chosen and its own token there. A step of the main decoder reads its
   * weights once whether it takes one token or four, so each accepted draft token saves most of
   * a step; the output is the main decoder's greedy output (its verifying run computes the same
   * logits over several rows, so a token whose top two logits tie to float rounding could
   * differ). Not for a `q8` main decoder, whose dynamic quantization scales each run's rows
   * together. Sampling, groups and device-resident (WebGPU) caches decode as usual. The draft's
   * files must sit beside the main ones (transformers.js exports ship every format). Default:
   * none.
   */
  readonly draftDtype?: OnnxDtype;
  /** Tokens drafted per verifying run of the main decoder (1-16). Default 3. */
  readonly draftTokens?: number;
  /** Largest decoded image, in pixels (decompression-bomb guard). Default 100 million. */
  readonly maxInputPixels?: number;
  /** Called with warnings (device fallback). Default `console.warn`. */
  readonly onWarning?: (message: string) => void;
  /**
   * Inference worker threads. Default 1: the sessions and the generation loop run in a worker,
   * so the calling thread's event loop stays free; with more, the prompts of a request run in
   * parallel (each worker holds its own copy of the sessions). 0 runs everything on the calling
   * thread.
   */
  readonly workers?: number;
}

type Feeds = Record<string, ort.Tensor>;

/** Embedding rows cached per model (a few MB at most for 2B-class hidden sizes). */
const EMBEDDING_CACHE_ROWS = 4096;

/** onnxruntime-node's CUDA provider libraries (its install script downloads them on Linux x64). */
const CUDA_LIBRARIES = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];

/**
 * Why CUDA cannot be used here, found without asking onnxruntime (which logs three error lines
 * to stderr when its CUDA libraries are missing); undefined when they are present, or when this
 * platform or install layout cannot be checked (onnxruntime is then asked and may fail).
 */
function cudaUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  let folder: string;
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    folder = path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
  if (!existsSync(folder)) return undefined;
  const missing = CUDA_LIBRARIES.filter((file) => !existsSync(path.join(folder, file)));
  return missing.length ? `onnxruntime-node has no ${missing.join(', ')}` : undefined;
}

/** Sessions whose `present.*` outputs stay on the device (WebGPU `gpu-buffer` tensors). */
const deviceResidentSessions = new WeakSet<ort.InferenceSession>();

/** config.json's text-model settings: its `text_config` where it has one (Qwen2.5-VL), else itself. */
function textConfigOf(config: Record<string, unknown>): Record<string, unknown> {
  return (config.text_config as Record<string, unknown> | undefined) ?? config;
}

/** The decoder's cache outputs, `present.{layer}.{key,value}`, for the config's layer count. */
function presentNames(config: Record<string, unknown>): string[] {
  const text = textConfigOf(config);
  const layers = Number(text.num_hidden_layers ?? config.num_hidden_layers);
  if (!Number.isInteger(layers) || layers <= 0) return [];
  return Array.from({ length: layers }, (_, layer) => [
    `present.${layer}.key`,
    `present.${layer}.value`,
  ]).flat();
}

/** A decoder run's `present.*` outputs as the next run's `past_key_values.*` feeds. */
function cacheOf(output: ort.InferenceSession.ReturnType, layers: number): Feeds {
  const cache: Feeds = {};
  for (let layer = 0; layer < layers; layer += 1)
    for (const kind of ['key', 'value'])
      cache[`past_key_values.${layer}.${kind}`] = output[`present.${layer}.${kind}`] as ort.Tensor;
  return cache;
}

/** A decoder session and what its graph declares. */
interface Decoder {
  readonly session: ort.InferenceSession;
  readonly signature: DecoderSignature;
}

/** A tensor in the float type a graph declares (converted when it differs). */
function ofFloatType(tensor: ort.Tensor, type: FloatType): ort.Tensor {
  if (tensor.type === type) return tensor;
  return floatTensor(type, toFloatType(tensor.data as FloatData, type), tensor.dims);
}

/** Every tensor of a cache through `change`. */
function mapCache(cache: Feeds, change: (tensor: ort.Tensor) => ort.Tensor): Feeds {
  return Object.fromEntries(Object.entries(cache).map(([name, tensor]) => [name, change(tensor)]));
}

/** Frees the device memory of a cache's `gpu-buffer` tensors (host tensors are left to the GC). */
function releaseDeviceCache(cache: Feeds): void {
  for (const tensor of Object.values(cache)) if (tensor.location === 'gpu-buffer') tensor.dispose();
}

const WEBGPU_ADVICE =
  "WebGPU needs a Vulkan loader (libvulkan.so.1) and the GPU's Vulkan driver on Linux (see the runtime README).";

const CUDA_ADVICE = 'For CUDA, install onnxruntime-node with its CUDA 12 binaries (see the runtime README).';

async function createSession(
  file: string,
  options: OnnxModelOptions,
  warn: (message: string) => void,
  {
    prepacking = true,
    spin = options.spinning === true,
    deviceOutputs = [],
  }: { prepacking?: boolean; spin?: boolean; deviceOutputs?: readonly string[] } = {},
): Promise<ort.InferenceSession> {
  const device = options.device ?? 'cpu';
  if (device === 'cuda') {
    const reason = cudaUnavailableReason();
    if (reason) {
      warn(`onnx: device cuda is unavailable (${reason}); running on the CPU instead. ${CUDA_ADVICE}`);
      return createSession(file, { ...options, device: 'cpu' }, warn, { prepacking, spin });
    }
  }
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: EXECUTION_PROVIDERS[device](options.deviceId ?? 0),
    // onnxruntime-node keeps an output on the device only as WebGPU's 'gpu-buffer' (CUDA outputs
    // always come back to the host): the decoder's cache stays where the next step reads it.
    ...(device === 'webgpu' && deviceOutputs.length > 0
      ? {
          preferredOutputLocation: Object.fromEntries(
            deviceOutputs.map((name) => [name, 'gpu-buffer' as const]),
          ),
        }
      : {}),
    ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    // The vision and embedding sessions run once a prompt and hand over to the next session:
    // their threads sleep. A weight-bound decoder runs back to back: its threads spin (see `spinning`).
    extra: {
      session: {
        intra_op: { allow_spinning: spin ? '1' : '0' },
        ...(prepacking ? {} : { disable_prepacking: '1' }),
      },
    },
  };
  const model = await modelWithAccuracyLevel(file, options);
  if (typeof model !== 'string') {
    // A model given as bytes finds its external data (`<graph>.onnx_data`) through this folder.
    const extra = sessionOptions.extra as { session: Record<string, string> };
    extra.session.model_external_initializers_file_folder_path = path.dirname(file);
  }
  try {
    const session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, sessionOptions)
        : await ort.InferenceSession.create(model, sessionOptions);
    if (sessionOptions.preferredOutputLocation) deviceResidentSessions.add(session);
    return session;
  } catch (error) {
    const message = (error as Error).message;
    if (device !== 'cpu' && !/protobuf|parse|invalid model|load model|output name/i.test(message)) {
      warn(
        `onnx: device ${device} is unavailable (${message.split('\n')[0]}); running on the CPU instead. ${device === 'cuda' ? CUDA_ADVICE : WEBGPU_ADVICE}`,
      );
      return createSession(file, { ...options, device: 'cpu' }, warn, { prepacking, spin });
    }
    throw new ModelFileError(
      file,
      `cannot load ${file}: ${message.split('\n')[0]}. The file is missing or corrupt; re-export or re-download it.`,
      { cause: error },
    );
  }
}

const QUANTIZED_DTYPES: readonly OnnxDtype[] = ['q8', 'q4', 'q4f16'];

/**
 * The graph to load: its path, or its bytes with `matMulNBitsAccuracyLevel` applied when that is
 * set, the dtype is quantized, and the graph has MatMulNBits nodes.
 */
async function modelWithAccuracyLevel(file: string, options: OnnxModelOptions): Promise<string | Uint8Array> {
  const level = options.matMulNBitsAccuracyLevel;
  if (level === undefined || !QUANTIZED_DTYPES.includes(options.dtype ?? 'fp32')) return file;
  let patched: { bytes: Uint8Array; nodes: number };
  try {
    patched = setMatMulNBitsAccuracyLevel(await readFile(file), level);
  } catch (error) {
    throw new ModelFileError(file, `cannot read ${file} as an ONNX model: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return patched.nodes > 0 ? patched.bytes : file;
}

function numberList(value: unknown): number[] {
  if (Array.isArray(value)) return value.filter((item): item is number => typeof item === 'number');
  return typeof value === 'number' ? [value] : [];
}

/** A scalar int64 tensor (`num_logits_to_keep`). */
function int64Scalar(value: bigint): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.of(value), []);
}

/** A bool `[1]` tensor (`use_cache_branch`). */
function boolTensor(value: boolean): ort.Tensor {
  return new ort.Tensor('bool', Uint8Array.of(value ? 1 : 0), [1]);
}

/**
 * Opens a Qwen2-VL / Qwen2.5-VL export in the transformers.js layout and returns a {@link FeaModel}
 * that generates with onnxruntime-node: image processing on sharp, the Qwen chat template, M-RoPE
 * positions, KV-cached decoding, greedy or seeded sampling. The `n` completions of one prompt share
 * a single prefill (the KV cache is tiled to batch `n`) and decode as one batch. By default all
 * of this runs in an inference worker thread (`workers`), so the caller's event loop stays free.
 * @throws ModelFileError, UnsupportedArchitectureError
 */
export async function createOnnxModel(directory: string, options: OnnxModelOptions = {}): Promise<FeaModel> {
  const report = options.onWarning ?? ((message: string) => console.warn(message));
  // Each session (three or four) meets the same condition: say it once.
  const warned = new Set<string>();
  const warn = (message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    report(message);
  };
  const level = options.matMulNBitsAccuracyLevel;
  if (level !== undefined && !isMatMulNBitsAccuracyLevel(level))
    throw new RangeError(`onnx: matMulNBitsAccuracyLevel=${level}; ${ACCURACY_LEVELS_EXPECTED}`);
  if (!isDraftTokens(options.draftTokens ?? 3))
    throw new RangeError(`onnx: draftTokens=${options.draftTokens}; ${DRAFT_TOKENS_EXPECTED}`);
  if (options.draftDtype !== undefined && options.dtype === 'q8')
    throw new RangeError(`onnx: draftDtype with dtype q8: ${Q8_DRAFT_REASON}`);
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 0)
    throw new RangeError(`onnx: workers=${workers}; expected a whole number (0 runs on the calling thread)`);
  if (workers > 0) {
    const { onWarning: _warn, workers: _workers, ...serializable } = options;
    // Several workers run their decoders at the same time: threads spinning in one would take
    // the cores the others need (2 workers on 2 cores: 2.0 s against 1.5 s a batch).
    const spinning = options.spinning ?? (workers > 1 ? false : 'decoder');
    return startOnnxWorkers({ directory, options: { ...serializable, spinning } }, workers, warn);
  }
  const files = await readModelFiles(directory, options.dtype ?? 'fp32');
  const draftDtype = options.draftDtype !== options.dtype ? options.draftDtype : undefined;
  const draftFile = draftDtype ? await findDecoderGraph(directory, draftDtype) : undefined;
  const bytes = await decoderBytes(files.graphs.decoder);
  const singleStream = wantsSingleStreamDecoder(bytes, options);
  // `'decoder'`: the decoder spins when its steps are passes over real weights.
  const spinDecoder =
    (options.spinning ?? 'decoder') === 'decoder'
      ? bytes > WEIGHT_BOUND_DECODER_BYTES
      : options.spinning === true;
  // Every load settles before anything is thrown, so a failed graph leaves no session loading
  // behind it (and none leaked): the others are released first.
  const loads = await Promise.allSettled([
    createSession(files.graphs.visionEncoder, options, warn),
    createSession(files.graphs.embedTokens, options, warn),
    createSession(files.graphs.decoder, options, warn, {
      spin: spinDecoder,
      deviceOutputs: presentNames(files.config),
    }),
    singleStream
      ? createSession(files.graphs.decoder, options, warn, { prepacking: false, spin: spinDecoder })
      : undefined,
    draftFile
      ? // The draft's runs sit between the main decoder's: spinning threads of the one would take
        // the cores the other needs (at 0.5B on 2 cores a q8 draft step took 46 ms with both
        // spinning, 39 ms with only the main decoder's).
        createSession(draftFile, { ...options, dtype: draftDtype }, warn, { spin: false })
      : undefined,
  ]);
  const failed = loads.find((load): load is PromiseRejectedResult => load.status === 'rejected');
  if (failed) {
    await Promise.all(loads.map((load) => (load.status === 'fulfilled' ? load.value?.release() : undefined)));
    throw failed.reason;
  }
  const [vision, embed, decoder, singleStreamDecoder, draft] = loads.map(
    (load) => (load as PromiseFulfilledResult<ort.InferenceSession | undefined>).value,
  ) as [
    ort.InferenceSession,
    ort.InferenceSession,
    ort.InferenceSession,
    ort.InferenceSession | undefined,
    ort.InferenceSession | undefined,
  ];
  const sessions = {
    vision,
    embed,
    decoder,
    singleStreamDecoder: singleStreamDecoder ?? decoder,
    ...(draft ? { draft } : {}),
  };
  try {
    // What each graph declares (names, element types, cache shape) decides what is fed.
    const signatures = {
      decoder: readDecoderSignature(files.graphs.decoder, decoder, textDimensions(files.config)),
      vision: readVisionSignature(files.graphs.visionEncoder, vision),
      embeddingType: readEmbeddingType(files.graphs.embedTokens, embed),
      ...(draft && draftFile
        ? { draft: readDecoderSignature(draftFile, draft, textDimensions(files.config)) }
        : {}),
    };
    return new OnnxQwenVLModel(directory, files, sessions, signatures, options);
  } catch (error) {
    await Promise.all([...new Set(Object.values(sessions))].map((session) => session.release()));
    throw error;
  }
}

/** The text model's key/value heads and head size from config.json (text_config first). */
function textDimensions(config: Record<string, unknown>): { kvHeads: number; headDimension: number } {
  const text = textConfigOf(config);
  const read = (name: string) => Number(text[name] ?? config[name]);
  const heads = read('num_attention_heads');
  return {
    kvHeads: Number(text.num_key_value_heads ?? config.num_key_value_heads ?? heads),
    headDimension: Number(text.head_dim ?? read('hidden_size') / heads),
  };
}

/**
 * Where a decoder step stops being per-op overhead and starts being a pass over the weights: 256
 * MB of graph and `.onnx_data`, between the two measured sizes. At 40 MB (the tiny bench model)
 * an unpacked one-row step is 1.45x faster and spinning threads cost 10-20%; at 0.3-2 GB (0.5B)
 * the packed step is as fast or faster and spinning is worth 15-20% on quantized decoders.
 */
const WEIGHT_BOUND_DECODER_BYTES = 256 * 2 ** 20;

/** The decoder's bytes on disk: its graph and its `.onnx_data`. */
async function decoderBytes(decoder: string): Promise<number> {
  const sizes = await Promise.all(
    [decoder, `${decoder}_data`].map((file) =>
      stat(file).then(
        (info) => info.size,
        () => 0,
      ),
    ),
  );
  return sizes[0]! + sizes[1]!;
}

/**
 * Whether to open the unpacked single-stream decoder session (see `singleStreamDecoder`): `'auto'`
 * for float CPU decoders below the weight-bound size and a quarter of the memory.
 */
function wantsSingleStreamDecoder(bytes: number, options: OnnxModelOptions): boolean {
  const setting = options.singleStreamDecoder ?? 'auto';
  if (setting !== 'auto') return setting;
  if ((options.device ?? 'cpu') !== 'cpu') return false;
  // Quantized matmuls (MatMulNBits, MatMulInteger) run from their pre-packed weights: only
  // float decoders gain from an unpacked copy.
  if (!['fp32', 'fp16'].includes(options.dtype ?? 'fp32')) return false;
  return bytes <= Math.min(WEIGHT_BOUND_DECODER_BYTES, os.totalmem() / 4);
}

class OnnxQwenVLModel implements FeaModel {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'onnx';
  private readonly tokenizer: Tokenizer;
  private readonly template: Template;
  private readonly imageConfig;
  private readonly textConfig: Record<string, unknown>;
  private readonly hiddenSize: number;
  private readonly contextLength: number;
  private readonly eosIds: number[];
  private readonly imageTokenId: number;
  private readonly visionStartTokenId: number;
  private readonly mergeSize: number;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly draftTokens: number;
  /** Token id -> its embedding row (in the decoder's input type), filled by decode steps (see `embedStep`). */
  private readonly embeddingRows = new Map<number, FloatData>();

  constructor(
    readonly modelId: string,
    private readonly files: ModelFiles,
    private readonly sessions: {
      vision: ort.InferenceSession;
      embed: ort.InferenceSession;
      decoder: ort.InferenceSession;
      /** The decoder for one-row steps (the same session as `decoder` when not separate). */
      singleStreamDecoder: ort.InferenceSession;
      /** The draft decoder of speculative greedy decoding (`draftDtype`). */
      draft?: ort.InferenceSession;
    },
    private readonly signatures: {
      decoder: DecoderSignature;
      vision: VisionSignature;
      embeddingType: FloatType;
      draft?: DecoderSignature;
    },
    options: OnnxModelOptions,
  ) {
    this.draftTokens = options.draftTokens ?? 3;
    const config = files.config;
    this.textConfig = textConfigOf(config);
    const read = (name: string) => Number(this.textConfig[name] ?? config[name]);
    this.hiddenSize = read('hidden_size');
    this.contextLength = read('max_position_embeddings');
    this.imageTokenId = Number(config.image_token_id ?? 151655);
    this.visionStartTokenId = Number(config.vision_start_token_id ?? 151652);
    const visionConfig = (config.vision_config ?? {}) as Record<string, unknown>;
    this.mergeSize = Number(visionConfig.spatial_merge_size ?? 2);
    this.eosIds = [
      ...new Set([...numberList(files.generationConfig.eos_token_id), ...numberList(config.eos_token_id)]),
    ];
    this.tokenizer = new Tokenizer(files.tokenizerJson, files.tokenizerConfig);
    this.template = new Template(files.chatTemplate);
    this.imageConfig = readImageProcessorConfig(files.preprocessorConfig, options.maxInputPixels);
  }

  async doGenerate(request: GenerateRequest): Promise<GenerateResult> {
    // One request at a time per model: sessions are shared and runs of one batch must not interleave.
    const run = this.queue.then(() => this.generateAll(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async dispose(): Promise<void> {
    await Promise.all([
      this.sessions.vision.release(),
      this.sessions.embed.release(),
      this.sessions.decoder.release(),
      ...(this.sessions.singleStreamDecoder !== this.sessions.decoder
        ? [this.sessions.singleStreamDecoder.release()]
        : []),
      this.sessions.draft?.release(),
    ]);
  }

  private async generateAll(request: GenerateRequest): Promise<GenerateResult> {
    const results: PromptResult[] = [];
    for (const [promptIndex, prompt] of request.prompts.entries()) {
      request.signal?.throwIfAborted();
      results.push(await this.generateOne(prompt, promptIndex, request));
    }
    return { results };
  }

  /** Renders the chat template and tokenizes, expanding each image placeholder to its token count. */
  async preparePrompt(prompt: PromptInput): Promise<{ ids: number[]; images: ProcessedImage[] }> {
    const available = prompt.images ?? [];
    const ordered: ImageInput[] = [];
    let nextImage = 0;
    const messages = prompt.messages.map((message: ChatMessage) => {
      if (typeof message.content === 'string') return { role: message.role, content: message.content };
      return {
        role: message.role,
        content: message.content.map((part) => {
          if (part.type === 'text') return { type: 'text', text: part.text };
          const index = part.index ?? nextImage;
          nextImage = index + 1;
          const image = available[index];
          if (image === undefined) {
            throw new RangeError(`prompt refers to image ${index} but has ${available.length} images`);
          }
          ordered.push(image);
          return { type: 'image' };
        }),
      };
    });
    const text = this.template.render({ messages, add_generation_prompt: true });
    const images: ProcessedImage[] = [];
    for (const image of ordered) images.push(await processQwenImage(image, this.imageConfig));
    let imageIndex = 0;
    const expanded = text.replace(/<\|image_pad\|>/g, () => {
      const image = images[imageIndex];
      imageIndex += 1;
      return '<|image_pad|>'.repeat(image ? image.tokenCount : 1);
    });
    return { ids: this.tokenizer.encode(expanded).ids, images };
  }

  /** Embeddings of the ids, in the decoder's `inputs_embeds` type. */
  private async embed(ids: readonly number[], batch: number): Promise<ort.Tensor> {
    const input = new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [batch, ids.length / batch]);
    const output = (await this.sessions.embed.run({ input_ids: input })).inputs_embeds as ort.Tensor;
    const type = this.signatures.decoder.embedsType;
    if (output.type === type) return output;
    return floatTensor(type, toFloatType(output.data as FloatData, type), output.dims);
  }

  /**
   * Embeddings of one decode step's tokens (`[n, 1, hidden]`). The embedding graph is a row
   * lookup, so rows already seen are served from a bounded cache and the graph runs only when
   * some token is new: exact, and one session call fewer on most steps.
   */
  private async embedStep(ids: readonly number[]): Promise<ort.Tensor> {
    const hidden = this.hiddenSize;
    const type = this.signatures.decoder.embedsType;
    if (!ids.every((id) => this.embeddingRows.has(id))) {
      const computed = (await this.embed(ids, ids.length)).data as FloatData;
      ids.forEach((id, row) => {
        if (this.embeddingRows.size < EMBEDDING_CACHE_ROWS && !this.embeddingRows.has(id))
          this.embeddingRows.set(id, computed.slice(row * hidden, (row + 1) * hidden));
      });
      return floatTensor(type, computed, [ids.length, 1, hidden]);
    }
    const data = floatArray(type, ids.length * hidden);
    ids.forEach((id, row) => {
      data.set(this.embeddingRows.get(id) as FloatData & ArrayLike<number>, row * hidden);
    });
    return floatTensor(type, data, [ids.length, 1, hidden]);
  }

  /** Runs the vision encoder and writes its features over the image-pad rows of `embeds`. */
  private async mergeImageFeatures(
    ids: readonly number[],
    images: readonly ProcessedImage[],
    embeds: ort.Tensor,
  ): Promise<void> {
    const pixelCount = images.reduce((sum, image) => sum + image.pixelValues.length, 0);
    const pixels = new Float32Array(pixelCount);
    let offset = 0;
    for (const image of images) {
      pixels.set(image.pixelValues, offset);
      offset += image.pixelValues.length;
    }
    const patches = images.reduce((sum, image) => sum + image.patchCount, 0);
    const grid = BigInt64Array.from(images.flatMap((image) => image.gridThw.map(BigInt)));
    const { pixelType, gridInputName } = this.signatures.vision;
    const output = await this.sessions.vision.run({
      pixel_values: floatTensor(pixelType, toFloatType(pixels, pixelType), [
        patches,
        images[0]?.patchDimension ?? 1176,
      ]),
      [gridInputName]: new ort.Tensor('int64', grid, [images.length, 3]),
    });
    const data = embeds.data as FloatData;
    const features = toFloatType(
      (output.image_features as ort.Tensor).data as FloatData,
      embeds.type as FloatType,
    ) as typeof data;
    let row = 0;
    for (let position = 0; position < ids.length; position += 1) {
      if (ids[position] !== this.imageTokenId) continue;
      data.set(
        features.subarray(row * this.hiddenSize, (row + 1) * this.hiddenSize),
        position * this.hiddenSize,
      );
      row += 1;
    }
  }

  /** Qwen2-VL's 3-axis (temporal, height, width) positions of the prompt, flat as the decoder takes them, and the offset decode positions continue from. */
  private ropePositions(
    ids: readonly number[],
    images: readonly ProcessedImage[],
  ): { positions: BigInt64Array; delta: number } {
    const rope = computeRopeIndex(
      ids,
      images.map((image) => image.gridThw),
      {
        imageTokenId: this.imageTokenId,
        visionStartTokenId: this.visionStartTokenId,
        spatialMergeSize: this.mergeSize,
      },
    );
    const positions = new BigInt64Array(3 * ids.length);
    rope.positions.forEach((row, axis) => {
      for (let index = 0; index < ids.length; index += 1)
        positions[axis * ids.length + index] = BigInt(row[index] as number);
    });
    return { positions, delta: rope.delta };
  }

  /**
   * Runs the prompt through the decoder: the last position's logits and the key/value cache,
   * tiled to the `n` sequences that continue from it.
   */
  private async prefill(
    embeds: ort.Tensor,
    promptLength: number,
    positions: BigInt64Array,
    n: number,
    { session, signature }: Decoder = this.mainDecoder(),
  ): Promise<{ logits: Float32Array; vocabulary: number; past: Feeds }> {
    // A cache kept on the device cannot be read back to be tiled (onnxruntime-node cannot download
    // a gpu-buffer tensor): the group's n rows are prefilled as one batch instead.
    const batch = deviceResidentSessions.has(session) ? n : 1;
    const feeds: Feeds = {
      inputs_embeds: tile(ofFloatType(embeds, signature.embedsType), batch),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * promptLength).fill(1n), [
        batch,
        promptLength,
      ]),
      position_ids: new ort.Tensor('int64', tilePositions(positions, batch), [3, batch, promptLength]),
      // Only the last position's logits are needed: graphs that can skip the others do.
      ...(signature.numLogitsToKeep ? { num_logits_to_keep: int64Scalar(1n) } : {}),
      ...(signature.useCacheBranch ? { use_cache_branch: boolTensor(false) } : {}),
    };
    for (let layer = 0; layer < signature.layers; layer += 1) {
      for (const kind of ['key', 'value']) {
        feeds[`past_key_values.${layer}.${kind}`] = floatTensor(
          signature.cacheType,
          floatArray(signature.cacheType, 0),
          [batch, signature.kvHeads, 0, signature.headDimension],
        );
      }
    }
    const prefill = await session.run(feeds);
    const prefillOutput = prefill.logits as ort.Tensor;
    const vocabulary = prefillOutput.dims[2] as number;
    const prefillRows = prefillOutput.dims[1] as number;
    const prefillLogits = toFloat32(
      (prefillOutput.data as FloatData).subarray((prefillRows - 1) * vocabulary, prefillRows * vocabulary),
    );
    const cache = cacheOf(prefill, signature.layers);
    const past = batch === n ? cache : mapCache(cache, (tensor) => tile(tensor, n));
    return { logits: prefillLogits, vocabulary, past };
  }

  private mainDecoder(): Decoder {
    return { session: this.sessions.decoder, signature: this.signatures.decoder };
  }

  /**
   * Runs `tokens` of one sequence through a decoder on top of its `pastLength`-position cache:
   * the logits of each new position (rows of `vocabulary`) and the grown cache.
   */
  private async extend(
    { session, signature }: Decoder,
    tokens: readonly number[],
    past: Feeds,
    pastLength: number,
    ropeDelta: number,
  ): Promise<{ logits: FloatData; past: Feeds }> {
    const length = tokens.length;
    const rows = await this.embedStep(tokens);
    const positions = new BigInt64Array(3 * length);
    for (let axis = 0; axis < 3; axis += 1)
      for (let index = 0; index < length; index += 1)
        positions[axis * length + index] = BigInt(pastLength + index + ropeDelta);
    const output = await session.run({
      ...past,
      inputs_embeds: floatTensor(
        signature.embedsType,
        toFloatType(rows.data as FloatData, signature.embedsType),
        [1, length, this.hiddenSize],
      ),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(pastLength + length).fill(1n), [
        1,
        pastLength + length,
      ]),
      position_ids: new ort.Tensor('int64', positions, [3, 1, length]),
      ...(signature.numLogitsToKeep ? { num_logits_to_keep: int64Scalar(BigInt(length)) } : {}),
      ...(signature.useCacheBranch ? { use_cache_branch: boolTensor(true) } : {}),
    });
    const logits = output.logits as ort.Tensor;
    const vocabulary = logits.dims[2] as number;
    const data = logits.data as FloatData;
    return {
      logits: data.subarray(data.length - length * vocabulary),
      past: cacheOf(output, signature.layers),
    };
  }

  /**
   * Greedy decoding of one sequence with the draft decoder (see `draftDtype`): each cycle the
   * draft proposes `draftTokens` tokens, one run of the main decoder scores them all, and the
   * proposals are kept up to the first the main decoder would not have chosen, followed by its
   * own choice there. Both caches are cut back to what was kept.
   */
  private async decodeSpeculative(state: {
    first: number;
    past: Feeds;
    draftPast: Feeds;
    promptLength: number;
    ropeDelta: number;
    criteria: StoppingCriteria;
    decoder: IncrementalDecoder;
    emit: (delta: string) => void;
  }): Promise<Completion> {
    const main = this.mainDecoder();
    const draft = { session: this.sessions.draft!, signature: this.signatures.draft! };
    const { promptLength, ropeDelta, criteria } = state;
    let past = state.past;
    let draftPast = state.draftPast;
    let length = promptLength; // positions in the main cache: the prompt and every emitted token but the last
    let draftLength = promptLength; // positions in the draft's cache
    const emitted: number[] = [];
    let fresh = [state.first];
    for (;;) {
      criteria.beforeStep();
      for (const token of fresh) {
        const step = criteria.advance(state.decoder, token);
        if (step.delta) state.emit(step.delta);
        if (step.completion) return step.completion;
        emitted.push(token);
      }
      // The draft catches up on the emitted tokens it has not read (one, or two after a cycle
      // that kept every proposal), then proposes one token a run.
      let feed = emitted.slice(draftLength - promptLength);
      const proposals: number[] = [];
      // No proposal past the context length (the stopping criteria end the text there anyway).
      const room = Math.min(this.draftTokens, this.contextLength - length - 1);
      for (let index = 0; index < room; index += 1) {
        const output = await this.extend(draft, feed, draftPast, draftLength, ropeDelta);
        draftPast = output.past;
        draftLength += feed.length;
        const vocabulary = output.logits.length / feed.length;
        const proposal = argMax(toFloat32(output.logits.subarray(output.logits.length - vocabulary)));
        proposals.push(proposal);
        feed = [proposal];
      }
      const checked = await this.extend(main, [emitted.at(-1)!, ...proposals], past, length, ropeDelta);
      const vocabulary = checked.logits.length / (proposals.length + 1);
      const choice = (row: number) =>
        argMax(toFloat32(checked.logits.subarray(row * vocabulary, (row + 1) * vocabulary)));
      let kept = 0;
      while (kept < proposals.length && proposals[kept] === choice(kept)) kept += 1;
      fresh = [...proposals.slice(0, kept), choice(kept)];
      length += kept + 1;
      past = mapCache(checked.past, (tensor) => truncateCache(tensor, length));
      if (draftLength > length) {
        draftLength = length;
        draftPast = mapCache(draftPast, (tensor) => truncateCache(tensor, draftLength));
      }
    }
  }

  /** One decode step of the batch: the next tokens in, their logits and the grown cache out. */
  private async decodeStep(
    next: readonly number[],
    past: Feeds,
    pastLength: number,
    ropeDelta: number,
  ): Promise<{ logits: FloatData; past: Feeds }> {
    const signature = this.signatures.decoder;
    const n = next.length;
    const stepEmbeds = await this.embedStep(next);
    const position = BigInt(pastLength + ropeDelta);
    const stepFeeds: Feeds = {
      ...past,
      inputs_embeds: stepEmbeds,
      attention_mask: new ort.Tensor('int64', new BigInt64Array(n * (pastLength + 1)).fill(1n), [
        n,
        pastLength + 1,
      ]),
      position_ids: new ort.Tensor('int64', new BigInt64Array(3 * n).fill(position), [3, n, 1]),
      ...(signature.numLogitsToKeep ? { num_logits_to_keep: int64Scalar(1n) } : {}),
      ...(signature.useCacheBranch ? { use_cache_branch: boolTensor(true) } : {}),
    };
    const output = await (n === 1 ? this.sessions.singleStreamDecoder : this.sessions.decoder).run(stepFeeds);
    // The step's cache replaces the one it read: free that one's device memory now.
    releaseDeviceCache(past);
    return {
      logits: (output.logits as ort.Tensor).data as FloatData,
      past: cacheOf(output, signature.layers),
    };
  }

  private async generateOne(
    prompt: PromptInput,
    promptIndex: number,
    request: GenerateRequest,
  ): Promise<PromptResult> {
    const sampling: SamplingOptions = request.sampling ?? {};
    const started = performance.now();
    const { ids, images } = await this.preparePrompt(prompt);
    if (ids.length >= this.contextLength) {
      throw new ContextLengthError(
        ids.length,
        this.contextLength,
        `the prompt takes ${ids.length} tokens (images included) but the model's context length is ${this.contextLength}. Shorten the prompt, lower max_pixels in preprocessor_config.json, or use fewer images.`,
      );
    }
    const embeds = await this.embed(ids, 1);
    if (images.length > 0) await this.mergeImageFeatures(ids, images, embeds);
    const rope = this.ropePositions(ids, images);
    const n = Math.max(1, sampling.n ?? 1);
    const prefilled = await this.prefill(embeds, ids.length, rope.positions, n);
    const vocabulary = prefilled.vocabulary;
    let past = prefilled.past;
    const temperature = sampling.temperature ?? 0;
    // Greedy single sequences draft with the draft decoder (a host cache: one kept on the device
    // cannot be cut back).
    const draft =
      this.sessions.draft &&
      this.signatures.draft &&
      n === 1 &&
      temperature <= 0 &&
      !deviceResidentSessions.has(this.sessions.decoder)
        ? await this.prefill(embeds, ids.length, rope.positions, 1, {
            session: this.sessions.draft,
            signature: this.signatures.draft,
          })
        : undefined;
    const prefillMs = performance.now() - started;
    // A device-resident cache is freed however decoding ends (finished, aborted, failed).
    try {
      const tokenOptions = { temperature, topK: sampling.topK ?? 0, topP: sampling.topP ?? 1 };
      const seed = sampling.seed ?? Math.floor(Math.random() * 2 ** 32);
      const randoms = Array.from(
        { length: n },
        (_, index) => new SeededRandom((seed + Math.imul(index, 0x9e3779b9)) >>> 0),
      );
      const criteria = createStoppingCriteria({
        stopTokenIds: [...this.eosIds, ...(sampling.stopTokenIds ?? [])],
        stop: sampling.stop ?? [],
        maxTokens: Math.min(sampling.maxTokens ?? 256, this.contextLength - ids.length),
        ...(request.signal ? { signal: request.signal } : {}),
      });
      const decoders = Array.from({ length: n }, () => new IncrementalDecoder(this.tokenizer));
      const finished: (Completion | undefined)[] = new Array(n).fill(undefined);
      let next = Array.from({ length: n }, (_, index) =>
        sampleToken(prefilled.logits, tokenOptions, randoms[index] as SeededRandom),
      );
      const decodeStarted = performance.now();
      if (draft) {
        const completion = await this.decodeSpeculative({
          first: next[0] as number,
          past,
          draftPast: draft.past,
          promptLength: ids.length,
          ropeDelta: rope.delta,
          criteria,
          decoder: decoders[0] as IncrementalDecoder,
          emit: (delta) => request.onStream?.({ promptIndex, completionIndex: 0, delta }),
        });
        finished[0] = completion;
      }
      let pastLength = ids.length;
      while (!draft) {
        criteria.beforeStep();
        for (let index = 0; index < n; index += 1) {
          if (finished[index]) continue;
          const step = criteria.advance(decoders[index] as IncrementalDecoder, next[index] as number);
          if (step.delta) request.onStream?.({ promptIndex, completionIndex: index, delta: step.delta });
          if (step.completion) finished[index] = step.completion;
        }
        if (finished.every(Boolean)) break;
        // The whole group decodes as one batch; finished rows are fed their last token and ignored.
        const output = await this.decodeStep(next, past, pastLength, rope.delta);
        pastLength += 1;
        past = output.past;
        const logits = output.logits;
        next = Array.from({ length: n }, (_, index) =>
          finished[index]
            ? (next[index] as number)
            : sampleToken(
                toFloat32(logits.subarray(index * vocabulary, (index + 1) * vocabulary)),
                tokenOptions,
                randoms[index] as SeededRandom,
              ),
        );
      }
      const end = performance.now();
      return {
        completions: finished as Completion[],
        promptTokens: ids.length,
        timings: { prefillMs, decodeMs: end - decodeStarted, totalMs: end - started },
      };
    } finally {
      releaseDeviceCache(past);
    }
  }
}
