import { FeaError } from '@facial-r1/spec';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeaModel } from '../model';
import { ModelIdError, UnknownModelProviderError } from './errors';
import {
  createModelRegistry,
  formatModelId,
  parseModelId,
  parseOnnxIdOptions,
  suggestProviders,
} from './model-registry';

const fakeModel = (provider: string, modelId: string): FeaModel => ({
  specificationVersion: 'v1',
  provider,
  modelId,
  doGenerate: async () => ({ results: [] }),
  dispose: async () => {},
});

describe('parseModelId', () => {
  it('splits provider, spec and trailing query options', () => {
    expect(parseModelId('openai:http://a:8000/v1#m?concurrency=4')).toEqual({
      provider: 'openai',
      spec: 'http://a:8000/v1#m',
      options: { concurrency: '4' },
    });
    expect(parseModelId('onnx:/models/qwen?device=cuda&dtype=q4')).toEqual({
      provider: 'onnx',
      spec: '/models/qwen',
      options: { device: 'cuda', dtype: 'q4' },
    });
    expect(parseModelId('  baseline ')).toEqual({ provider: 'baseline', spec: '', options: {} });
    // A "?" followed by a path is part of the spec, not a query.
    expect(parseModelId('onnx:/odd?dir/model').spec).toBe('/odd?dir/model');
    expect(parseModelId('OpenAI:http://x/v1#m').provider).toBe('openai');
  });

  it('rejects empty ids and bad provider names with typed errors', () => {
    expect(() => parseModelId('')).toThrow(ModelIdError);
    expect(() => parseModelId('9x:foo')).toThrow(/provider before ":" must be a name/);
    try {
      parseModelId(' ');
    } catch (error) {
      expect(FeaError.isInstance(error) && error.code).toBe('runtime/invalid-model-id');
    }
  });

  it('parse(format(id)) round-trips', () => {
    const provider = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    const spec = fc.stringMatching(/^[A-Za-z0-9/:.#,_-]{0,20}$/);
    const options = fc.dictionary(fc.stringMatching(/^[a-zA-Z]{1,6}$/), fc.string({ maxLength: 6 }), {
      maxKeys: 3,
    });
    fc.assert(
      fc.property(provider, spec, options, (name, body, extra) => {
        const id = { provider: name, spec: body, options: extra };
        expect(parseModelId(formatModelId(id))).toEqual(id);
      }),
    );
  });
});

describe('createModelRegistry', () => {
  it('resolves openai ids with several endpoints and options', async () => {
    const registry = createModelRegistry();
    const model = await registry.resolve(
      'openai:http://127.0.0.1:1/v1,http://127.0.0.1:2/v1#Qwen/Qwen2.5-VL-7B-Instruct?concurrency=4',
    );
    expect(model).toMatchObject({
      provider: 'openai',
      modelId: 'Qwen/Qwen2.5-VL-7B-Instruct',
      specificationVersion: 'v1',
    });
    await expect(registry.resolve('openai:http://x/v1')).rejects.toThrow(/expected openai:<baseURL>/);
    await expect(registry.resolve('openai:ftp://x#m')).rejects.toThrow(/must start with http/);
    await expect(registry.resolve('openai:http://x/v1#m?concurrency=many')).rejects.toThrow(
      /concurrency=many; expected a non-negative integer/,
    );
  });

  it('answers unknown providers with a typed error, suggestions and the known list', async () => {
    const registry = createModelRegistry({ providers: { baseline: () => fakeModel('baseline', 'face') } });
    expect(registry.providers).toEqual(['onnx', 'openai', 'baseline']);
    const error = await registry.resolve('opnai:http://x/v1#m').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnknownModelProviderError);
    expect(error).toMatchObject({
      code: 'runtime/unknown-model-provider',
      provider: 'opnai',
      suggestions: ['openai'],
      known: ['onnx', 'openai', 'baseline'],
    });
    expect((error as Error).message).toMatch(/did you mean openai\?.*known: onnx, openai, baseline/);
    await expect(registry.resolve('baselin')).rejects.toThrow(/did you mean baseline/);
    await expect(registry.resolve('zzz:x')).rejects.toThrow(
      /^unknown model provider "zzz" in "zzz:x"; known/,
    );
    expect((await registry.resolve('baseline')).provider).toBe('baseline');
  });

  it('lets apps replace built-in providers and pass options through', async () => {
    const seen: unknown[] = [];
    const registry = createModelRegistry({
      providers: {
        onnx: (spec, options) => {
          seen.push({ spec, options });
          return fakeModel('onnx', spec);
        },
      },
    });
    expect((await registry.resolve('onnx:/m?device=cuda')).modelId).toBe('/m');
    expect(seen).toEqual([{ spec: '/m', options: { device: 'cuda' } }]);
  });

  it('validates onnx ids before loading the backend', async () => {
    const registry = createModelRegistry();
    await expect(registry.resolve('onnx:')).rejects.toThrow(/expected onnx:<model directory>/);
    await expect(registry.resolve('onnx:/m?device=tpu')).rejects.toThrow(
      /device=tpu; expected cpu, cuda or webgpu/,
    );
    await expect(registry.resolve('onnx:/m?threads=two')).rejects.toThrow(
      /threads=two; expected a non-negative integer/,
    );
    await expect(registry.resolve('onnx:/m?dtype=int3')).rejects.toThrow(
      /dtype=int3; expected one of fp32, fp16, q8, q4, q4f16/,
    );
    expect(parseOnnxIdOptions('/m', { device: 'cuda', deviceId: '1', dtype: 'q4', workers: '2' })).toEqual({
      device: 'cuda',
      deviceId: 1,
      dtype: 'q4',
      workers: 2,
    });
    expect(parseOnnxIdOptions('/m', { dtype: 'q4', accuracyLevel: '4' })).toEqual({
      dtype: 'q4',
      matMulNBitsAccuracyLevel: 4,
    });
    await expect(registry.resolve('onnx:/m?accuracyLevel=0')).rejects.toThrow(
      /accuracyLevel=0; expected 1 \(fp32\), 2 \(fp16\), 3 \(bf16\) or 4 \(int8\)/,
    );
    expect(parseOnnxIdOptions('/m', { draft: 'q8', draftTokens: '4' })).toEqual({
      draftDtype: 'q8',
      draftTokens: 4,
    });
    await expect(registry.resolve('onnx:/m?draft=int3')).rejects.toThrow(/draft=int3; expected one of fp32/);
    await expect(registry.resolve('onnx:/m?draft=q8&draftTokens=17')).rejects.toThrow(
      /draftTokens=17; expected a whole number from 1 to 16/,
    );
    await expect(registry.resolve('onnx:/m?dtype=q8&draft=q4')).rejects.toThrow(/draft=q4 with dtype=q8/);
  });

  it('opens onnx: ids with the built-in provider', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'fr1-registry-onnx-'));
    try {
      await writeTinyQwenVLModel(root, { architecture: 'qwen2-vl', seed: 5 });
      const model = await createModelRegistry().resolve(`onnx:${root}?workers=1&threads=1`);
      try {
        const result = await model.doGenerate({
          prompts: [{ messages: [{ role: 'user', content: 'hi' }] }],
          sampling: { maxTokens: 3 },
        });
        expect(model.provider).toBe('onnx');
        expect(result.results[0]?.completions[0]?.completionTokens).toBe(3);
      } finally {
        await model.dispose();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('loads the ONNX backend lazily and reports a typed error when it cannot', async () => {
    const outcome = await createModelRegistry()
      .resolve(`onnx:${path.join(os.tmpdir(), 'no-such-fea-model')}`)
      .catch((caught: unknown) => caught);
    // Whether or not the backend is part of this build, a missing model directory is a typed error.
    expect(FeaError.isInstance(outcome)).toBe(true);
  });
});

describe('suggestProviders', () => {
  it('ranks close names and ignores far ones', () => {
    expect(suggestProviders('onx', ['onnx', 'openai', 'baseline'])).toEqual(['onnx']);
    expect(suggestProviders('open', ['onnx', 'openai'])).toEqual(['openai']);
    expect(suggestProviders('vllm', ['onnx', 'openai', 'baseline'])).toEqual([]);
  });
});
