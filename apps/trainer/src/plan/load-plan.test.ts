import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlanError } from '../errors';
import { loadPlan, parsePlan } from './load-plan';

const valid = `name: demo
baseModel: Qwen/Qwen2.5-VL-7B-Instruct
workDir: runs/demo
datasets:
  - benchmark: rafdb
    root: data/RAF-DB
  - jsonl: data/fea20k/train.jsonl
    images: data/fea20k/images
`;

describe('loadPlan', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-plan-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it("fills in the paper's defaults and resolves paths against the plan file", async () => {
    const file = path.join(directory, 'plan.yaml');
    await writeFile(file, valid);
    const loaded = await loadPlan(file);
    expect(loaded.workDir).toBe(path.join(directory, 'runs/demo'));
    expect(loaded.plan.stage2).toMatchObject({
      engine: 'verl',
      preset: 'facial-r1',
      groupSize: 8,
      temperature: 1,
      klBeta: 0.04,
      clip: 0.2,
    });
    expect(loaded.plan.stage1).toMatchObject({
      size: 300,
      retries: 5,
      learningRate: 5e-6,
      epochs: 2,
      maxLength: 2048,
    });
    expect(loaded.plan.hardware).toEqual({ gpus: 8, nodes: 1, masterPort: 29500, nodeRank: 0 });
    expect(loaded.resolve('data/x')).toBe(path.join(directory, 'data/x'));
  });

  it('reads JSON plans too', () => {
    const loaded = parsePlan(
      JSON.stringify({
        name: 'j',
        baseModel: 'm',
        datasets: [{ jsonl: 'a.jsonl' }],
        stage2: { engine: 'trl' },
      }),
      '/plans/plan.json',
    );
    expect(loaded.plan.stage2.engine).toBe('trl');
    expect(loaded.workDir).toBe('/plans/runs');
  });

  it('names the file, line and field of a wrong type', () => {
    const text = `${valid}stage2:\n  groupSize: eight\n`;
    const error = (() => {
      try {
        parsePlan(text, '/plans/p.yaml');
      } catch (caught) {
        return caught as PlanError;
      }
    })();
    expect(error).toBeInstanceOf(PlanError);
    expect(error?.field).toBe('stage2.groupSize');
    expect(error?.line).toBe(10);
    // The form the README documents: `plan.yaml:10: field "stage2.groupSize": ...`.
    expect(error?.message).toMatch(/^\/plans\/p\.yaml:10: field "stage2\.groupSize":/);
  });

  it('rejects unknown fields by name and a wrong engine with the allowed ones', () => {
    expect(() => parsePlan(`${valid}stage2:\n  enigne: verl\n`, 'p.yaml')).toThrow(
      /unknown field\(s\) "enigne"/,
    );
    expect(() => parsePlan(`${valid}stage2:\n  engine: deepspeed\n`, 'p.yaml')).toThrow(
      /stage2\.engine.*verl.*trl/,
    );
  });

  it('stage2.embedImages is for verl only, refused on its line for an engine that opens paths', () => {
    expect(parsePlan(`${valid}stage2:\n  embedImages: true\n`, 'p.yaml').plan.stage2.embedImages).toBe(true);
    expect(() => parsePlan(`${valid}stage2:\n  engine: easyr1\n  embedImages: true\n`, 'p.yaml')).toThrow(
      /p\.yaml:11: field "stage2\.embedImages": only verl reads image bytes from its dataset; easyr1 opens images by path/,
    );
  });

  it('explains a malformed dataset entry and a YAML syntax error with its line', () => {
    expect(() => parsePlan(`name: a\nbaseModel: b\ndatasets:\n  - path: x\n`, 'p.yaml')).toThrow(
      /p\.yaml:4: field "datasets\.0".*benchmark, root/,
    );
    expect(() => parsePlan('name: a\nbaseModel: [b\n', 'p.yaml')).toThrow(/p\.yaml:\d+: not valid YAML/);
  });

  it('reports a missing file as a PlanError', async () => {
    await expect(loadPlan(path.join(directory, 'missing.yaml'))).rejects.toThrow(/cannot read the plan file/);
  });
});
