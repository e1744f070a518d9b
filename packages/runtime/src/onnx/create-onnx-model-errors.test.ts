import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextLengthError, ModelFileError, UnsupportedArchitectureError } from '../errors';
import { createOnnxModel } from './create-onnx-model';

let root: string;
let source: string;

async function variant(name: string, change: (directory: string) => Promise<void>): Promise<string> {
  const directory = path.join(root, name);
  await cp(source, directory, { recursive: true });
  await change(directory);
  return directory;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fr1-onnx-errors-'));
  source = path.join(root, 'source');
  await writeTinyQwenVLModel(source, { architecture: 'qwen2.5-vl', seed: 9, maxPositionEmbeddings: 64 });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('createOnnxModel with external data (.onnx_data beside each graph)', () => {
  it('loads weights from the data files and generates what the inline export generates', async () => {
    const external = path.join(root, 'external');
    await writeTinyQwenVLModel(external, {
      architecture: 'qwen2.5-vl',
      seed: 9,
      maxPositionEmbeddings: 64,
      externalData: true,
    });
    const graph = await stat(path.join(external, 'onnx', 'decoder_model_merged.onnx'));
    const data = await stat(path.join(external, 'onnx', 'decoder_model_merged.onnx_data'));
    expect(data.size).toBeGreaterThan(100 * graph.size);
    const request = {
      prompts: [{ messages: [{ role: 'user' as const, content: 'hello' }] }],
      sampling: { maxTokens: 12 },
    };
    const [inline, split] = [await createOnnxModel(source), await createOnnxModel(external)];
    try {
      const expected = (await inline.doGenerate(request)).results[0]?.completions[0];
      const actual = (await split.doGenerate(request)).results[0]?.completions[0];
      expect(actual?.text).toBe(expected?.text);
      expect(actual?.completionTokens).toBe(12);
    } finally {
      await inline.dispose();
      await split.dispose();
    }
  });

  it('names the graph whose data file is missing', async () => {
    const directory = path.join(root, 'external-missing');
    await writeTinyQwenVLModel(directory, { architecture: 'qwen2-vl', seed: 2, externalData: true });
    await rm(path.join(directory, 'onnx', 'embed_tokens.onnx_data'));
    const error = await createOnnxModel(directory).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as ModelFileError).file).toMatch(/embed_tokens\.onnx$/);
    expect((error as Error).message).toMatch(/embed_tokens\.onnx_data/);
  });
});

describe('createOnnxModel errors', () => {
  it('names a missing graph and the dtype', async () => {
    const directory = await variant('missing', (d) => rm(path.join(d, 'onnx', 'embed_tokens.onnx')));
    await expect(createOnnxModel(directory)).rejects.toBeInstanceOf(ModelFileError);
    await expect(createOnnxModel(directory)).rejects.toThrow(
      /no embed_tokens graph for dtype fp32: tried .*embed_tokens\.onnx/,
    );
    await expect(createOnnxModel(source, { dtype: 'q4' })).rejects.toThrow(/vision_encoder_q4\.onnx/);
  });

  it('refuses a corrupt graph with a typed error', async () => {
    const directory = await variant('corrupt', (d) =>
      writeFile(path.join(d, 'onnx', 'decoder_model_merged.onnx'), 'garbage'),
    );
    await expect(createOnnxModel(directory)).rejects.toThrow(/decoder_model_merged\.onnx.*corrupt/);
  });

  it('refuses an unsupported architecture and lists the supported ones', async () => {
    const directory = await variant('llama', async (d) => {
      const config = JSON.parse(await readFile(path.join(d, 'config.json'), 'utf8'));
      await writeFile(path.join(d, 'config.json'), JSON.stringify({ ...config, model_type: 'llama' }));
    });
    const error = await createOnnxModel(directory).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsupportedArchitectureError);
    expect((error as Error).message).toMatch(/"llama".*qwen2_vl, qwen2_5_vl/);
  });

  it('refuses a prompt over the context length, and falls back from cuda to CPU with a warning', async () => {
    const warnings: string[] = [];
    const model = await createOnnxModel(source, {
      device: 'cuda',
      onWarning: (message) => warnings.push(message),
    });
    try {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/cuda is unavailable.*CPU/);
      const long = 'face '.repeat(100);
      const error = await model
        .doGenerate({ prompts: [{ messages: [{ role: 'user', content: long }] }] })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ContextLengthError);
      expect((error as ContextLengthError).contextLength).toBe(64);
      const short = await model.doGenerate({
        prompts: [{ messages: [{ role: 'user', content: 'hi' }] }],
        sampling: { maxTokens: 100 },
      });
      const completion = short.results[0]?.completions[0];
      expect(completion?.finishReason).toBe('length');
      expect((short.results[0]?.promptTokens ?? 0) + (completion?.completionTokens ?? 0)).toBe(64);
    } finally {
      await model.dispose();
    }
  });
});

describe('createOnnxModel on device=webgpu', () => {
  // Without a WebGPU adapter (no Vulkan driver: CI, this machine) the sessions fall back to the
  // CPU with one warning naming what WebGPU needs; with one (a GPU machine), the decoder keeps
  // its cache on the device and a group is prefilled as one batch. Either way a seeded group
  // must sample what the CPU's shared-prefill group samples.
  it('samples the CPU group with one WebGPU warning when it falls back, or on the device cache', async () => {
    const request = {
      prompts: [{ messages: [{ role: 'user' as const, content: 'Describe the face.' }] }],
      sampling: { n: 3, temperature: 1, topK: 40, seed: 11, maxTokens: 6 },
    };
    const warnings: string[] = [];
    const webgpu = await createOnnxModel(source, {
      device: 'webgpu',
      workers: 0,
      onWarning: (message) => warnings.push(message),
    });
    const cpu = await createOnnxModel(source, { workers: 0 });
    try {
      if (warnings.length > 0) {
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(/^onnx: device webgpu is unavailable .*running on the CPU instead/);
        expect(warnings[0]).toMatch(/Vulkan/);
        expect(warnings[0]).not.toMatch(/CUDA/);
      } else console.warn('a WebGPU adapter is present: the group ran on the device-resident cache');
      const texts = async (model: typeof cpu) =>
        (await model.doGenerate(request)).results[0]?.completions.map((completion) => completion.text);
      expect(await texts(webgpu)).toEqual(await texts(cpu));
    } finally {
      await Promise.all([webgpu.dispose(), cpu.dispose()]);
    }
  });
});

// Where onnxruntime-node's CUDA provider libraries are installed (a GPU machine), the fallback
// this checks does not happen.
const ortBin = path.join(
  path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
  '..',
  'bin',
  'napi-v6',
  process.platform,
  process.arch,
);
const hasCudaLibraries = existsSync(path.join(ortBin, 'libonnxruntime_providers_cuda.so'));
if (hasCudaLibraries)
  console.warn('onnxruntime-node has its CUDA libraries here: the CUDA fallback log test is skipped');

describe.skipIf(hasCudaLibraries)('device=cuda without the CUDA libraries', () => {
  it.each([0, 2])(
    'prints exactly one warning line and nothing from onnxruntime (workers %i)',
    async (workers) => {
      const fixture = fileURLToPath(new URL('./__fixtures__/open-on-cuda.ts', import.meta.url));
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        ['--conditions=@facial-r1/source', '--import', 'tsx', fixture, source, String(workers)],
        { encoding: 'utf8' },
      );
      expect(JSON.parse(stdout)).toEqual({ tokens: 2 });
      const lines = stderr.split('\n').filter((line) => line.trim() !== '');
      expect(lines, stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^onnx: device cuda is unavailable .*; running on the CPU instead/);
      expect(stderr).not.toMatch(/Failed to load library|onnxruntime:/);
    },
  );
});
