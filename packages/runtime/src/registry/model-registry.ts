import { suggestClosest } from '@facial-r1/spec';
import {
  ACCURACY_LEVELS_EXPECTED,
  isMatMulNBitsAccuracyLevel,
  type MatMulNBitsAccuracyLevel,
} from '../onnx/accuracy-levels';
import { DRAFT_TOKENS_EXPECTED, isDraftTokens, Q8_DRAFT_REASON } from '../onnx/draft-options';
import { ModelIdError, UnknownModelProviderError } from './errors';
import type { FeaModel } from '../model';
import { DTYPE_SUFFIXES, type OnnxDtype } from '../onnx/model-files';
import { createOpenAICompatibleModel } from '../openai/openai-compatible-model';

/** A parsed model id: `provider:spec?key=value&...`. */
export interface ModelId {
  readonly provider: string;
  readonly spec: string;
  readonly options: Readonly<Record<string, string>>;
}

/** Creates a model from the part of the id after `provider:`. */
export type ModelProviderFactory = (
  spec: string,
  options: Readonly<Record<string, string>>,
) => FeaModel | Promise<FeaModel>;

/**
 * Parses `onnx:/models/qwen?device=cuda`, `openai:http://a:8000/v1,http://b:8000/v1#model?concurrency=32`,
 * `baseline`. Options after `?` (at the end) are strings; the provider decides what they mean.
 */
export function parseModelId(id: string): ModelId {
  const trimmed = id.trim();
  if (!trimmed)
    throw new ModelIdError(
      'empty model id; expected e.g. "openai:http://127.0.0.1:8000/v1#my-model" or "baseline"',
    );
  const colon = trimmed.indexOf(':');
  const provider = (colon < 0 ? trimmed : trimmed.slice(0, colon)).toLowerCase();
  let spec = colon < 0 ? '' : trimmed.slice(colon + 1);
  const options: Record<string, string> = {};
  const query = spec.lastIndexOf('?');
  if (query >= 0 && !spec.slice(query).includes('/')) {
    for (const pair of spec
      .slice(query + 1)
      .split('&')
      .filter(Boolean)) {
      const [key, value = ''] = pair.split('=');
      options[decodeURIComponent(key!)] = decodeURIComponent(value);
    }
    spec = spec.slice(0, query);
  }
  if (!/^[a-z][a-z0-9-]*$/.test(provider))
    throw new ModelIdError(`"${id}": the provider before ":" must be a name like openai, onnx or baseline`);
  return { provider, spec, options };
}

/** Formats a model id back (inverse of {@link parseModelId}). */
export function formatModelId(id: ModelId): string {
  const query = Object.entries(id.options)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
  return `${id.provider}${id.spec || query ? `:${id.spec}` : ''}${query ? `?${query}` : ''}`;
}

/** The built-in `openai:` provider: `openai:<baseURL>[,<baseURL>...]#<model>`. */
export const openAIProvider: ModelProviderFactory = (spec, options) => {
  const hash = spec.lastIndexOf('#');
  if (hash < 0 || hash === spec.length - 1)
    throw new ModelIdError(`openai:${spec}: expected openai:<baseURL>[,<baseURL>...]#<model name>`);
  const baseURL = spec
    .slice(0, hash)
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  if (!baseURL.length || baseURL.some((url) => !/^https?:\/\//.test(url)))
    throw new ModelIdError(`openai:${spec}: each base URL must start with http:// or https://`);
  const integerOption = (key: string, name: string) => {
    const value = options[key];
    if (value === undefined) return {};
    if (!/^\d+$/.test(value))
      throw new ModelIdError(`openai:${spec}: ${key}=${value}; expected a non-negative integer`);
    return { [name]: Number(value) };
  };
  return createOpenAICompatibleModel({
    baseURL,
    model: spec.slice(hash + 1),
    ...integerOption('concurrency', 'concurrency'),
    ...integerOption('retries', 'maxRetries'),
    ...integerOption('timeout', 'timeoutMs'),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
};

/** Known names close to `name`, best first (the shared did-you-mean rule of `@facial-r1/spec`). */
export function suggestProviders(name: string, known: readonly string[]): string[] {
  return suggestClosest(name, known, { max: known.length });
}

/** The options an `onnx:` id may carry, checked: what `createOnnxModel` takes from them. */
export interface OnnxIdOptions {
  /** `device=cpu|cuda|webgpu`. */
  readonly device?: 'cpu' | 'cuda' | 'webgpu';
  /** `dtype=fp32|fp16|q8|q4|q4f16`: which graph files. */
  readonly dtype?: OnnxDtype;
  /** `deviceId=N`: the CUDA device. */
  readonly deviceId?: number;
  /** `threads=N`: intra-op threads per session. */
  readonly threads?: number;
  /** `workers=N`: inference worker threads (0: the calling thread). */
  readonly workers?: number;
  /** `accuracyLevel=1|2|3|4`: MatMulNBits `accuracy_level` (4: int8 activations, the fast CPU path). */
  readonly matMulNBitsAccuracyLevel?: MatMulNBitsAccuracyLevel;
  /** `draft=q8` (any dtype): speculative greedy decoding with that format's decoder as the draft. */
  readonly draftDtype?: OnnxDtype;
  /** `draftTokens=N` (1-16): tokens drafted per verifying run. */
  readonly draftTokens?: number;
}

/**
 * Reads and checks the options of an `onnx:` id (`device`, `dtype`, `deviceId`, `threads`,
 * `workers`, `accuracyLevel`, `draft`, `draftTokens`), for every place that opens ONNX models from ids.
 * @throws ModelIdError naming the option and what was expected
 */
export function parseOnnxIdOptions(spec: string, options: Readonly<Record<string, string>>): OnnxIdOptions {
  if (!spec) throw new ModelIdError('onnx: expected onnx:<model directory>, e.g. onnx:/models/qwen2.5-vl-3b');
  const device = options.device;
  if (device !== undefined && device !== 'cpu' && device !== 'cuda' && device !== 'webgpu')
    throw new ModelIdError(`onnx:${spec}: device=${device}; expected cpu, cuda or webgpu`);
  const integer = (key: string) => {
    const value = options[key];
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value))
      throw new ModelIdError(`onnx:${spec}: ${key}=${value}; expected a non-negative integer`);
    return Number(value);
  };
  const weightFormat = (key: string) => {
    const value = options[key];
    if (value !== undefined && !Object.hasOwn(DTYPE_SUFFIXES, value))
      throw new ModelIdError(
        `onnx:${spec}: ${key}=${value}; expected one of ${Object.keys(DTYPE_SUFFIXES).join(', ')}`,
      );
    return value as OnnxDtype | undefined;
  };
  const dtype = weightFormat('dtype');
  const draftDtype = weightFormat('draft');
  const draftTokens = integer('draftTokens');
  if (draftTokens !== undefined && !isDraftTokens(draftTokens))
    throw new ModelIdError(`onnx:${spec}: draftTokens=${draftTokens}; ${DRAFT_TOKENS_EXPECTED}`);
  if (draftDtype !== undefined && dtype === 'q8')
    throw new ModelIdError(`onnx:${spec}: draft=${draftDtype} with dtype=q8; ${Q8_DRAFT_REASON}`);
  const deviceId = integer('deviceId');
  const threads = integer('threads');
  const workers = integer('workers');
  const accuracyText = options.accuracyLevel;
  // One digit exactly: `4.0` or ` 4` are not ids anyone means.
  const accuracyLevel =
    accuracyText === undefined ? undefined : /^\d$/.test(accuracyText) ? Number(accuracyText) : Number.NaN;
  if (accuracyLevel !== undefined && !isMatMulNBitsAccuracyLevel(accuracyLevel))
    throw new ModelIdError(`onnx:${spec}: accuracyLevel=${accuracyText}; ${ACCURACY_LEVELS_EXPECTED}`);
  return {
    ...(device ? { device } : {}),
    ...(dtype ? { dtype } : {}),
    ...(draftDtype ? { draftDtype } : {}),
    ...(draftTokens !== undefined ? { draftTokens } : {}),
    ...(deviceId !== undefined ? { deviceId } : {}),
    ...(threads !== undefined ? { threads } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(accuracyLevel !== undefined ? { matMulNBitsAccuracyLevel: accuracyLevel } : {}),
  };
}

/**
 * The built-in `onnx:` provider: `onnx:<directory>?device=cuda&dtype=q4&threads=1&workers=2&deviceId=0&accuracyLevel=4`.
 * The backend module is imported on first use (a literal dynamic import, which bundlers keep
 * resolvable).
 */
export const onnxProvider: ModelProviderFactory = async (spec, options) => {
  const settings = parseOnnxIdOptions(spec, options);
  let onnx: { createOnnxModel?: (directory: string, options?: OnnxIdOptions) => Promise<FeaModel> };
  try {
    // A literal specifier: bundlers keep it resolvable (tsup splits it into a chunk).
    onnx = await import('../onnx/create-onnx-model');
  } catch (cause) {
    throw new ModelIdError(
      `onnx:${spec}: the ONNX backend cannot be loaded (${(cause as Error).message}); use an openai: id, or register your own onnx provider`,
      'runtime/provider-unavailable',
    );
  }
  if (typeof onnx.createOnnxModel !== 'function')
    throw new ModelIdError(
      `onnx:${spec}: the ONNX backend module exports no createOnnxModel`,
      'runtime/provider-unavailable',
    );
  return onnx.createOnnxModel(spec, settings);
};

/** A registry of model providers that resolves ids to models. */
export interface ModelRegistry {
  /** Creates the model an id names. Unknown providers are {@link UnknownModelProviderError}s listing the known ones. */
  resolve(id: string): Promise<FeaModel>;
  /** Registered provider names. */
  readonly providers: readonly string[];
}

/**
 * A model registry with the `onnx` and `openai` providers built in; apps add more
 * (`baseline`) through `providers`, which may also replace the built-in ones. Resolution is
 * by the id's provider prefix.
 */
export function createModelRegistry(
  options: { readonly providers?: Readonly<Record<string, ModelProviderFactory>> } = {},
): ModelRegistry {
  const providers: Record<string, ModelProviderFactory> = {
    onnx: onnxProvider,
    openai: openAIProvider,
    ...options.providers,
  };
  const known = Object.keys(providers);
  return {
    providers: known,
    async resolve(id) {
      const parsed = parseModelId(id);
      const factory = providers[parsed.provider];
      if (!factory)
        throw new UnknownModelProviderError(
          parsed.provider,
          known,
          suggestProviders(parsed.provider, known),
          id,
        );
      return factory(parsed.spec, parsed.options);
    },
  };
}
