import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FeaSample } from '@facial-r1/dataset';
import { MockModel } from '@facial-r1/spec/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completion, ScriptedModel } from '../__fixtures__/scripted-model';
import { createVerifier } from '../verify/verifier';
import { synthesizeSample } from './attempt-loop';
import { stratifiedPick } from './stratified-pick';
import { outcomesPath, synthesize } from './synthesize';
import { buildTeacherSet } from './teacher-set';

const sample = (id: string, aus: string[], label: string, extra: Partial<FeaSample> = {}): FeaSample => ({
  id,
  dataset: 'rafdb',
  image: `/images/${id}.jpg`,
  AUs: aus,
  labels: label ? [label] : [],
  ...extra,
});
const happy = sample('h1', ['AU6', 'AU12'], 'happiness');
const verify = createVerifier({ requireConsistency: true });

describe('the verifier', () => {
  it('passes a grounded, consistent completion', () => {
    const result = verify(completion(['AU6', 'AU12'], 'happiness'), happy);
    expect(result.passed).toBe(true);
    expect(result.auF1).toBe(1);
  });

  it.each([
    ['format', 'The face shows AU6 and AU12: happiness', /inside <think>/],
    ['aus', completion(['AU6'], 'happiness'), /name these missing AUs: AU12/],
    ['aus', completion(['AU6', 'AU12', 'AU4'], 'happiness'), /remove AUs that are not on this face: AU4/],
    ['answer', completion(['AU6', 'AU12'], 'sadness'), /the answer must be "happiness", not "sadness"/],
    ['negation', completion(['AU6', 'AU12'], 'happiness', ' with no frown'), /do not write negations \(no\)/],
    ['hedging', completion(['AU6', 'AU12'], 'happiness', ', maybe'), /do not hedge \(maybe\)/],
    ['length', '<think>AU6 AU12 happiness</think><answer>happiness</answer>', /between 8 and 200 words/],
  ])('rejects on %s with a message the retry prompt can quote', (reason, text, message) => {
    const result = verify(text, happy);
    expect(result.passed).toBe(false);
    expect(result.failed).toContain(reason);
    expect(result.problems.join('\n')).toMatch(message);
  });

  it('checks consistency with the FACS rules when asked, and the F1 rule instead of exact sets', () => {
    const misaligned = sample('m', ['AU1', 'AU4', 'AU15'], 'happiness');
    const result = verify(completion(['AU1', 'AU4', 'AU15'], 'happiness'), misaligned);
    expect(result.failed).toEqual(['consistency']);
    expect(result.problems[0]).toMatch(/support sadness/);
    const lenient = createVerifier({ auRule: 'f1', minAuF1: 0.6 });
    expect(lenient(completion(['AU6'], 'happiness'), happy).passed).toBe(true);
  });
});

describe('the attempt loop', () => {
  it('accepts at the first attempt', async () => {
    const model = new ScriptedModel(() => completion(['AU6', 'AU12'], 'happiness'));
    const outcome = await synthesizeSample(happy, model, verify);
    expect(outcome).toMatchObject({ accepted: true, attempts: 1, candidates: 1, reasons: [] });
    expect(model.prompts[0]).toContain('exactly these Action Units: AU6, AU12');
    expect(model.prompts[0]).toContain('final answer must be: happiness');
  });

  it('retries with the previous response and what was wrong, then accepts', async () => {
    const model = new ScriptedModel((_prompt, call) =>
      call === 1 ? completion(['AU6'], 'sadness') : completion(['AU6', 'AU12'], 'happiness'),
    );
    const outcome = await synthesizeSample(happy, model, verify);
    expect(outcome).toMatchObject({ accepted: true, attempts: 2 });
    expect(model.prompts[1]).toContain('Your previous response was:');
    expect(model.prompts[1]).toContain('- name these missing AUs: AU12');
    expect(model.prompts[1]).toContain('- the answer must be "happiness", not "sadness"');
    // The rejected attempt is kept with the feedback the retry prompt gave (the review studio shows it).
    expect(outcome.history).toEqual([
      {
        completion: completion(['AU6'], 'sadness'),
        problems: expect.arrayContaining(['name these missing AUs: AU12']),
      },
    ]);
  });

  it('gives up after the retries and reports why', async () => {
    const model = new ScriptedModel(() => completion(['AU4'], 'anger'));
    const outcome = await synthesizeSample(happy, model, verify, { retries: 2 });
    expect(outcome).toMatchObject({ accepted: false, attempts: 3, candidates: 3 });
    expect(outcome.reasons).toEqual(['aus', 'answer', 'consistency']);
    expect(outcome.history).toHaveLength(3);
  });

  it('keeps the best of n sampled candidates', async () => {
    const model = new ScriptedModel(() => [
      completion(['AU6'], 'happiness'),
      completion(['AU6', 'AU12'], 'happiness'),
      completion(['AU4'], 'anger'),
    ]);
    const outcome = await synthesizeSample(happy, model, verify, { candidates: 3 });
    expect(outcome).toMatchObject({
      accepted: true,
      attempts: 1,
      candidates: 3,
      completion: completion(['AU6', 'AU12'], 'happiness'),
    });
  });
});

describe('synthesize: rounds, manifests, dedupe, resume', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-synthesis-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  const samples = [
    happy,
    sample('h2', ['AU6', 'AU12'], 'happiness'),
    sample('s1', ['AU1', 'AU4', 'AU15'], 'sadness'),
    sample('x1', ['AU9'], 'disgust'),
    sample('d1', ['AU1', 'AU2'], ''),
  ];
  const script = (_prompt: string, call: number, image: string) => {
    if (image.includes('x1')) return completion(['AU4'], 'anger');
    if (image.includes('s1') && call === 1) return completion(['AU1'], 'sadness');
    if (image.includes('s1')) return completion(['AU1', 'AU4', 'AU15'], 'sadness');
    if (image.includes('d1')) return completion(['AU1', 'AU2'], 'surprise');
    return completion(['AU6', 'AU12'], 'happiness'); // h1 and h2 get the same text: a duplicate
  };

  it('accounts for every sample in the manifest and writes the accepted ones', async () => {
    const output = path.join(directory, 'round-1', 'synthesized.jsonl');
    const progress: number[] = [];
    const manifest = await synthesize(samples, new ScriptedModel(script), {
      output,
      retries: 2,
      round: 'round-1',
      seed: 7,
      onProgress: (done) => progress.push(done),
    });
    expect(manifest.counts).toEqual({
      samples: 5,
      finished: 5,
      accepted: 4,
      rejected: 1,
      duplicates: 1,
      kept: 3,
    });
    expect(manifest.acceptanceRate).toBe(0.8);
    expect(manifest.rejectionReasons).toEqual({ aus: 1, answer: 1, duplicate: 1 });
    expect(manifest.acceptedAtAttempt).toEqual({ 1: 3, 2: 1 });
    expect(manifest).toMatchObject({
      round: 'round-1',
      model: { provider: 'scripted', modelId: 'scripted-model' },
      seed: 7,
      interrupted: false,
    });
    expect(progress.at(-1)).toBe(5);
    const kept = (await readFile(output, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as FeaSample);
    expect(kept.map((item) => item.id)).toEqual(['d1', 'h1', 's1']);
    expect(kept[2]!.description).toBe(completion(['AU1', 'AU4', 'AU15'], 'sadness'));
    expect(JSON.parse(await readFile(`${output}.manifest.json`, 'utf8')).counts.kept).toBe(3);

    // A second round drops reasoning that repeats the first round's.
    const second = await synthesize(samples.slice(0, 1), new ScriptedModel(script), {
      output: path.join(directory, 'round-2.jsonl'),
      previousRounds: [output],
    });
    expect(second.counts).toMatchObject({ accepted: 1, duplicates: 1, kept: 0 });
  });

  it('resumes: a rerun skips finished samples and asks the model nothing', async () => {
    const output = path.join(directory, 'resume.jsonl');
    await synthesize(samples, new ScriptedModel(script), { output, retries: 1 });
    const model = new ScriptedModel(script);
    const manifest = await synthesize(samples, model, { output, retries: 1 });
    expect(model.prompts).toEqual([]);
    expect(manifest.counts.finished).toBe(5);
  });

  it('stops scheduling on abort, finishes in-flight writes, and resumes later', async () => {
    const output = path.join(directory, 'abort.jsonl');
    const controller = new AbortController();
    const manifest = await synthesize(samples, new ScriptedModel(script), {
      output,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 2) controller.abort();
      },
    });
    expect(manifest.interrupted).toBe(true);
    expect(manifest.counts.finished).toBe(2);
    const resumed = await synthesize(samples, new ScriptedModel(script), { output });
    expect(resumed.counts.finished).toBe(5);
    expect(resumed.interrupted).toBe(false);
  });

  it('bounds model calls with modelConcurrency while more samples are in flight', async () => {
    const output = path.join(directory, 'bounded.jsonl');
    const model = new MockModel({ delayMs: 5, respond: () => completion(['AU6', 'AU12'], 'happiness') });
    const manifest = await synthesize(samples, model, {
      output,
      concurrency: 5,
      modelConcurrency: 2,
      retries: 2,
    });
    expect(manifest.counts.finished).toBe(samples.length);
    expect(model.requests.length).toBeGreaterThan(samples.length);
    expect(model.maxInFlight).toBe(2);
  });

  it('survives kill -9 mid-run: the rerun output equals an uninterrupted run', async () => {
    const worker = fileURLToPath(new URL('../__fixtures__/synthesis-worker.ts', import.meta.url));
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const run = (output: string) =>
      spawn(process.execPath, ['--conditions=@facial-r1/source', '--import', tsx, worker, output, '300'], {
        stdio: 'ignore',
      });
    const exit = (child: ReturnType<typeof run>) =>
      new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const reference = path.join(directory, 'uninterrupted.jsonl');
    expect(await exit(run(reference))).toBe(0);

    const output = path.join(directory, 'killed.jsonl');
    const child = run(output);
    for (;;) {
      const size = await stat(outcomesPath(output)).then(
        (info) => info.size,
        () => 0,
      );
      if (size > 40 * 300) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill('SIGKILL');
    expect(await exit(child)).toBeNull();
    const partial = (await readFile(outcomesPath(output), 'utf8')).split('\n').filter(Boolean).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(300);

    expect(await exit(run(output))).toBe(0);
    const lines = (await readFile(output, 'utf8')).trim().split('\n');
    expect(lines).toEqual((await readFile(reference, 'utf8')).trim().split('\n'));
    const outcomes = (await readFile(outcomesPath(output), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).id);
    expect(new Set(outcomes).size).toBe(300);
    expect(outcomes).toHaveLength(300);
  }, 60_000);
});

describe('stage 1: the teacher set', () => {
  it('picks stratified over dataset x emotion with AU coverage, deterministic per seed', () => {
    const pool = Array.from({ length: 40 }, (_, index) =>
      sample(
        `p${index}`,
        index % 4 === 0 ? ['AU9', 'AU10'] : ['AU6', 'AU12'],
        index % 4 === 0 ? 'disgust' : 'happiness',
        { dataset: index % 2 ? 'rafdb' : 'affectnet' },
      ),
    );
    const picked = stratifiedPick(pool, 8, 1);
    expect(picked).toHaveLength(8);
    expect(new Set(picked.map((item) => `${item.dataset}/${item.labels[0]}`)).size).toBe(3);
    expect(stratifiedPick(pool, 8, 1).map((item) => item.id)).toEqual(picked.map((item) => item.id));
  });

  it('asks the teacher with hinted prompts and keeps accepted reasoning', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'fea-teacher-'));
    const teacher = new ScriptedModel((_prompt, _call, image) =>
      image.includes('s9')
        ? completion(['AU1', 'AU4', 'AU15'], 'sadness')
        : completion(['AU6', 'AU12'], 'happiness'),
    );
    const manifest = await buildTeacherSet(
      [happy, sample('s9', ['AU1', 'AU4', 'AU15'], 'sadness')],
      teacher,
      { output: path.join(directory, 'teacher.jsonl'), size: 300 },
    );
    expect(manifest).toMatchObject({
      picked: 2,
      strata: { 'rafdb/happiness': 1, 'rafdb/sadness': 1 },
      round: 'teacher',
    });
    expect(manifest.counts.kept).toBe(2);
    await rm(directory, { recursive: true, force: true });
  });
});
