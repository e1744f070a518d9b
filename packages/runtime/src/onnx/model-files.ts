import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelFileError, UnsupportedArchitectureError } from '../errors';

/** Weight formats of the transformers.js export layout. */
export type OnnxDtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';

/** File-name suffixes for each dtype, in the order they are tried. */
export const DTYPE_SUFFIXES: Readonly<Record<OnnxDtype, readonly string[]>> = Object.freeze({
  fp32: [''],
  fp16: ['_fp16'],
  q8: ['_quantized', '_q8'],
  q4: ['_q4'],
  q4f16: ['_q4f16'],
});

/** Model types this backend runs and the vision grid input name their exports use (the graph's own input name is what is fed). */
export const SUPPORTED_ARCHITECTURES: Readonly<Record<string, { gridInputName: string }>> = Object.freeze({
  qwen2_vl: { gridInputName: 'grid_thw' },
  qwen2_5_vl: { gridInputName: 'image_grid_thw' },
});

/** Everything read from a model directory before sessions are created. */
export interface ModelFiles {
  /** `config.json`. */
  readonly config: Record<string, unknown>;
  /** `generation_config.json` (empty when absent). */
  readonly generationConfig: Record<string, unknown>;
  /** `preprocessor_config.json`. */
  readonly preprocessorConfig: Record<string, unknown>;
  /** `tokenizer.json`. */
  readonly tokenizerJson: Record<string, unknown>;
  /** `tokenizer_config.json`. */
  readonly tokenizerConfig: Record<string, unknown>;
  /** The chat template source. */
  readonly chatTemplate: string;
  /** Paths of the three graphs. */
  readonly graphs: { readonly visionEncoder: string; readonly embedTokens: string; readonly decoder: string };
  /** Vision grid input name exports of the architecture use (the runtime feeds the name the graph declares). */
  readonly gridInputName: string;
}

async function readJson(file: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelFileError(
      file,
      `cannot read ${file}: ${(error as Error).message}. Point createOnnxModel at a complete export (config.json, tokenizer files, onnx/*.onnx).`,
      { cause: error },
    );
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new ModelFileError(
      file,
      `${file} is not valid JSON (${(error as Error).message}). Re-download the model.`,
      {
        cause: error,
      },
    );
  }
}

async function findGraph(directory: string, name: string, dtype: OnnxDtype): Promise<string> {
  const tried: string[] = [];
  for (const suffix of DTYPE_SUFFIXES[dtype]) {
    const file = path.join(directory, 'onnx', `${name}${suffix}.onnx`);
    tried.push(file);
    try {
      await access(file);
      return file;
    } catch {}
  }
  throw new ModelFileError(
    tried[0] as string,
    `no ${name} graph for dtype ${dtype}: tried ${tried.join(', ')}. Choose a dtype the export has, or download that file.`,
  );
}

/**
 * The decoder graph of a weight format (the draft of speculative decoding needs no other file).
 * @throws ModelFileError naming the files tried
 */
export async function findDecoderGraph(directory: string, dtype: OnnxDtype): Promise<string> {
  checkDtype(dtype);
  return findGraph(directory, 'decoder_model_merged', dtype);
}

function checkDtype(dtype: OnnxDtype): void {
  if (!Object.hasOwn(DTYPE_SUFFIXES, dtype))
    throw new RangeError(`onnx: dtype ${dtype}; expected one of ${Object.keys(DTYPE_SUFFIXES).join(', ')}`);
}

/**
 * Reads and checks a transformers.js-layout model directory.
 * @throws ModelFileError for missing or unreadable files, UnsupportedArchitectureError for other model types
 */
export async function readModelFiles(directory: string, dtype: OnnxDtype): Promise<ModelFiles> {
  checkDtype(dtype);
  const config = (await readJson(path.join(directory, 'config.json'), true)) as Record<string, unknown>;
  const modelType = String(config.model_type ?? '');
  const architecture = SUPPORTED_ARCHITECTURES[modelType];
  if (!architecture) {
    throw new UnsupportedArchitectureError(
      `${path.join(directory, 'config.json')}: model_type "${modelType}" is not supported; the ONNX backend runs ${Object.keys(SUPPORTED_ARCHITECTURES).join(', ')}. Export a Qwen2-VL or Qwen2.5-VL model, or serve this one through an OpenAI-compatible server.`,
    );
  }
  const generationConfig = (await readJson(path.join(directory, 'generation_config.json'), false)) ?? {};
  const preprocessorConfig = (await readJson(
    path.join(directory, 'preprocessor_config.json'),
    true,
  )) as Record<string, unknown>;
  const tokenizerJson = (await readJson(path.join(directory, 'tokenizer.json'), true)) as Record<
    string,
    unknown
  >;
  const tokenizerConfig = (await readJson(path.join(directory, 'tokenizer_config.json'), true)) as Record<
    string,
    unknown
  >;
  const templateFile = await readJson(path.join(directory, 'chat_template.json'), false);
  const chatTemplate = templateFile?.chat_template ?? tokenizerConfig.chat_template;
  if (typeof chatTemplate !== 'string') {
    throw new ModelFileError(
      path.join(directory, 'tokenizer_config.json'),
      `no chat template in ${path.join(directory, 'chat_template.json')} or tokenizer_config.json (field chat_template). Add the model's chat template.`,
    );
  }
  const graphs = {
    visionEncoder: await findGraph(directory, 'vision_encoder', dtype),
    embedTokens: await findGraph(directory, 'embed_tokens', dtype),
    decoder: await findDecoderGraph(directory, dtype),
  };
  return {
    config,
    generationConfig,
    preprocessorConfig,
    tokenizerJson,
    tokenizerConfig,
    chatTemplate,
    graphs,
    gridInputName: architecture.gridInputName,
  };
}
