import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFixtureDataset } from '@facial-r1/benchmarks/testing';
import { createModelRegistry } from '@facial-r1/runtime';
import { createOnnxModel } from '@facial-r1/runtime/onnx';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
import { createFaceBaselineModel, demoPhotoPaths, readBaselineMetadata } from '@facial-r1/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './__fixtures__/run-cli';
import { type PredictionRecord, runBenchmark } from './run-benchmark';

describe('fea-eval run with local models', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-eval-local-'));
    process.env.FACIAL_R1_CACHE = path.join(directory, 'cache');
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('the tiny ONNX model (onnx:<dir> through the registry) on RAF-DB, FER2013 (csv), DISFA and FEA-20K fixtures', async () => {
    const modelDirectory = path.join(directory, 'tiny-qwen2-vl');
    await writeTinyQwenVLModel(modelDirectory, { architecture: 'qwen2-vl', seed: 3 });
    const registry = createModelRegistry({ providers: { onnx: (spec) => createOnnxModel(spec) } });
    const model = await registry.resolve(`onnx:${modelDirectory}`);
    try {
      for (const benchmark of ['rafdb', 'fer2013', 'disfa', 'fea20k'] as const) {
        await writeFixtureDataset(benchmark, path.join(directory, benchmark), { perClass: 1 });
        const out = path.join(directory, 'runs', benchmark);
        const result = await runBenchmark({
          benchmark,
          data: path.join(directory, benchmark),
          model,
          modelId: 'tiny',
          out,
          maxTokens: 8,
          resamples: 50,
        });
        expect(result.generated).toBe(result.report.counts.samples);
        expect(result.report.counts.missing).toBe(0);
        const again = await runBenchmark({
          benchmark,
          data: path.join(directory, benchmark),
          model,
          modelId: 'tiny',
          out,
          maxTokens: 8,
          resamples: 50,
        });
        expect(again.generated).toBe(0);
      }
    } finally {
      await model.dispose();
    }
  }, 120_000);

  it('CLI: a 4-bit onnx: id with accuracyLevel=4 runs a benchmark in a worker; draft=q8 answers as plain fp32 does; a level onnxruntime lacks is a usage error', async () => {
    const modelDirectory = path.join(directory, 'tiny-q4');
    await writeTinyQwenVLModel(modelDirectory, {
      architecture: 'qwen2-vl',
      seed: 5,
      dtypes: ['q4', 'fp32', 'q8'],
    });
    await writeFixtureDataset('rafdb', path.join(directory, 'cli-rafdb'), { perClass: 1 });
    const cli = (model: string, out: string) =>
      runCli(
        [
          'run',
          '--benchmark',
          'rafdb',
          '--data',
          path.join(directory, 'cli-rafdb'),
          '--model',
          model,
          '--out',
          path.join(directory, out),
          '--max-tokens',
          '8',
          '--resamples',
          '20',
        ],
        { env: { ...process.env, FACIAL_R1_CACHE: path.join(directory, 'cache') } },
      ).then(({ code, stderr }) => ({ code, stderr }));
    const ok = await cli(`onnx:${modelDirectory}?dtype=q4&accuracyLevel=4&workers=1`, 'runs-q4');
    expect(ok).toEqual({ code: 0, stderr: expect.any(String) });
    const predictions = (await readFile(path.join(directory, 'runs-q4', 'predictions.jsonl'), 'utf8'))
      .trim()
      .split('\n');
    expect(predictions).toHaveLength(7);
    // Speculative greedy decoding with the q8 decoder drafting: the same answers as plain fp32.
    const answers = async (id: string, out: string) => {
      expect(await cli(id, out)).toEqual({ code: 0, stderr: expect.any(String) });
      const lines = (await readFile(path.join(directory, out, 'predictions.jsonl'), 'utf8'))
        .trim()
        .split('\n');
      return lines.map((line) => {
        const record = JSON.parse(line) as { id: string; text: string; finishReason: string };
        return [record.id, record.text, record.finishReason];
      });
    };
    const plain = await answers(`onnx:${modelDirectory}?workers=1`, 'runs-fp32');
    expect(plain).toHaveLength(7);
    expect(await answers(`onnx:${modelDirectory}?draft=q8&draftTokens=2&workers=1`, 'runs-draft')).toEqual(
      plain,
    );
    const bad = await cli(`onnx:${modelDirectory}?dtype=q4&accuracyLevel=7`, 'runs-bad');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/accuracyLevel=7; expected 1 \(fp32\), 2 \(fp16\), 3 \(bf16\) or 4 \(int8\)/);
  }, 120_000);

  it('the built-in face baseline on the four fixture datasets (synthetic 64-px images, answered as whole-frame face crops)', async () => {
    const model = await createFaceBaselineModel();
    try {
      for (const benchmark of ['rafdb', 'fer2013', 'disfa', 'fea20k'] as const) {
        const root = path.join(directory, `baseline-${benchmark}`);
        await writeFixtureDataset(benchmark, root, { perClass: 1, size: 64 });
        const result = await runBenchmark({
          benchmark,
          data: root,
          model,
          modelId: 'baseline',
          out: path.join(directory, 'runs', `baseline-${benchmark}`),
          resamples: 50,
        });
        expect(result.report.counts.missing).toBe(0);
        expect(result.generated).toBe(result.report.counts.samples);
      }
    } finally {
      await model.dispose();
    }
  }, 120_000);

  it('the built-in face baseline on real faces in the RAF-DB layout', async () => {
    const root = path.join(directory, 'rafdb-demo');
    await mkdir(path.join(root, 'EmoLabel'), { recursive: true });
    await mkdir(path.join(root, 'Image/aligned'), { recursive: true });
    const photos = demoPhotoPaths().slice(0, 3);
    const lines: string[] = [];
    for (const [index, photo] of photos.entries()) {
      const name = `test_${String(index + 1).padStart(4, '0')}`;
      await copyFile(photo, path.join(root, 'Image/aligned', `${name}_aligned.jpg`));
      lines.push(`${name}.jpg 4`); // happiness
    }
    await writeFile(path.join(root, 'EmoLabel/list_patition_label.txt'), `${lines.join('\n')}\n`);
    const model = await createFaceBaselineModel();
    try {
      const result = await runBenchmark({
        benchmark: 'rafdb',
        data: root,
        model,
        modelId: 'baseline',
        out: path.join(directory, 'runs', 'baseline'),
        resamples: 50,
      });
      expect(result.report.counts).toEqual({ samples: 3, predicted: 3, missing: 0, errors: 0 });
      expect(result.report.fea.wellFormedRate).toBeGreaterThan(0);
      expect(result.report.rows.every((row) => row.text?.includes('<answer>'))).toBe(true);
      // The baseline's measurements travel beside the text; the report shows them, not a re-parse.
      const records = (await readFile(result.files.predictions, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as PredictionRecord);
      for (const record of records) {
        const measured = readBaselineMetadata(record.providerMetadata);
        expect(measured?.faces.length).toBeGreaterThan(0);
        const answered = measured!.faces[measured!.face!]!;
        expect(record.text).toContain(`<answer>${answered.label}</answer>`);
        expect(record.completionTokens).toBeGreaterThan(0);
      }
      const html = await readFile(result.files.html, 'utf8');
      expect(html.match(/<table class="measured">/g)).toHaveLength(3);
    } finally {
      await model.dispose();
    }
  }, 120_000);
});
