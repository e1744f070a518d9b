import { appendFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixtureDataset } from '../testing/fixture-datasets';
import type { BenchmarkSample, LoadOptions } from './benchmark-adapter';
import { BenchmarkDataError, DatasetLayoutError, UnknownBenchmarkError } from './errors';
import { BENCHMARK_IDS, getBenchmark } from './registry';

async function load(id: string, root: string, options: LoadOptions = {}): Promise<BenchmarkSample[]> {
  const samples: BenchmarkSample[] = [];
  for await (const sample of getBenchmark(id).load(root, options)) samples.push(sample);
  return samples;
}

describe('benchmark adapters on native-layout fixtures', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-benchmarks-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));
  const root = (id: string) => path.join(directory, id);

  it('the registry resolves every id and aliases, and suggests for unknown ids', () => {
    expect(BENCHMARK_IDS).toEqual([
      'disfa',
      'bp4d',
      'raf-au',
      'faba',
      'fer2013',
      'affectnet',
      'rafdb',
      'fea20k',
    ]);
    expect(getBenchmark('RAF-DB').id).toBe('rafdb');
    expect(getBenchmark('fea-20k').id).toBe('fea20k');
    expect(() => getBenchmark('rafbd')).toThrow(UnknownBenchmarkError);
    expect(() => getBenchmark('rafbd')).toThrow(/did you mean "rafdb"/);
    expect(() => getBenchmark('disfaa')).toThrow(/did you mean "disfa"/);
  });

  it('RAF-DB: splits by prefix, codes to emotions, aligned images', async () => {
    const fixture = await writeFixtureDataset('rafdb', root('rafdb'));
    const test = await load('rafdb', root('rafdb'));
    expect(test).toHaveLength(fixture.counts.test!);
    expect(test[0]).toMatchObject({ id: 'test_0001', dataset: 'rafdb', labels: ['surprise'], AUs: [] });
    expect(existsSync(test[0]!.image)).toBe(true);
    expect(new Set(test.map((sample) => sample.labels[0]))).toEqual(
      new Set(['surprise', 'fear', 'disgust', 'happiness', 'sadness', 'anger', 'neutral']),
    );
    expect(await load('rafdb', root('rafdb'), { split: 'train', limit: 3 })).toHaveLength(3);
  });

  it('RAF-DB: unknown codes, malformed rows and missing images give located errors, or are skipped and counted', async () => {
    const file = path.join(root('rafdb'), 'EmoLabel/list_patition_label.txt');
    await appendFile(file, 'test_9001.jpg 9\nthis line is wrong\ntest_9002.jpg 4\n');
    await expect(load('rafdb', root('rafdb'))).rejects.toThrow(
      /list_patition_label\.txt:\d+: field "label": RAF-DB \(basic\) has no emotion code "9"/,
    );
    const skipped: Error[] = [];
    const samples = await load('rafdb', root('rafdb'), {
      onInvalid: 'skip',
      onSkip: (error) => skipped.push(error),
    });
    expect(skipped.map((error) => error.message)).toEqual([
      expect.stringMatching(/no emotion code "9"/),
      expect.stringMatching(/expected "<image> <code>", got "this line is wrong"/),
      expect.stringMatching(/field "image": no image at .*test_9002_aligned\.jpg/),
    ]);
    expect(skipped.every((error) => BenchmarkDataError.isInstance(error))).toBe(true);
    expect(samples.length).toBeGreaterThan(0);
  });

  it('FER2013 csv: decodes 48x48 pixel strings to PNGs once, splits by Usage', async () => {
    const fixture = await writeFixtureDataset('fer2013', root('fer2013'));
    const test = await load('fer2013', root('fer2013'));
    expect(test).toHaveLength(fixture.counts.test!);
    const sharp = (await import('sharp')).default;
    expect(await sharp(test[0]!.image).metadata()).toMatchObject({ width: 48, height: 48, format: 'png' });
    expect((await load('fer2013', root('fer2013'), { split: 'val' })).length).toBe(fixture.counts.val);
    await appendFile(path.join(root('fer2013'), 'fer2013.csv'), '3,1 2 3,PrivateTest\n');
    await expect(load('fer2013', root('fer2013'))).rejects.toThrow(
      /fer2013\.csv:\d+: field "pixels": expected 2304 space-separated values/,
    );
  });

  it('FER2013 folder layout', async () => {
    const folder = path.join(root('fer-folders'), 'test', 'happy');
    const sharp = (await import('sharp')).default;
    await (await import('node:fs/promises')).mkdir(folder, { recursive: true });
    await sharp({ create: { width: 48, height: 48, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .grayscale()
      .png()
      .toFile(path.join(folder, 'PrivateTest_1.png'));
    expect(await load('fer2013', root('fer-folders'))).toEqual([
      expect.objectContaining({ labels: ['happiness'], id: 'test/happy/PrivateTest_1' }),
    ]);
  });

  it('AffectNet csv: codes 8-10 are skipped (and reported), not errors', async () => {
    const fixture = await writeFixtureDataset('affectnet', root('affectnet'));
    const skipped: Error[] = [];
    const samples = await load('affectnet', root('affectnet'), { onSkip: (error) => skipped.push(error) });
    expect(samples).toHaveLength(fixture.counts.val!);
    expect(skipped).toHaveLength(6);
    expect(skipped[0]!.message).toMatch(/code 8 \(none\) is not an emotion; skipped/);
    expect(new Set(samples.map((sample) => sample.labels[0])).size).toBe(8);
  });

  it('DISFA: intensity >= 2 is present; subjects by fold', async () => {
    await writeFixtureDataset('disfa', root('disfa'), { perClass: 3 });
    const test = await load('disfa', root('disfa'), { fold: 0 });
    expect(test).toHaveLength(3);
    expect(test.every((sample) => sample.meta_info?.subject === 'SN002')).toBe(true);
    // frame 1: intensity (code + 0) % 6 for each AU: present when >= 2.
    const expected = [1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26]
      .filter((code) => code % 6 >= 2)
      .map((code) => `AU${code}`);
    expect(test[0]!.AUs).toEqual(expected);
    expect(await load('disfa', root('disfa'), { split: 'train', fold: 0 })).toHaveLength(6);
    expect(await load('disfa', root('disfa'), { subjects: ['SN003'] })).toHaveLength(3);
    await writeFile(path.join(root('disfa'), 'ActionUnit_Labels/SN002/SN002_au1.txt'), '1,7\n');
    await expect(load('disfa', root('disfa'), { fold: 0 })).rejects.toThrow(
      /SN002_au1\.txt:1: field "intensity": expected "frame,intensity" with intensity 0-5/,
    );
  });

  it('BP4D: 9 is unknown and recorded, not absent', async () => {
    await writeFixtureDataset('bp4d', root('bp4d'), { perClass: 2 });
    const test = await load('bp4d', root('bp4d'), { fold: 2 });
    expect(test).toHaveLength(2);
    expect(test[0]!.meta_info?.unknownAus).toEqual(['AU2']);
    expect(test[0]!.AUs).not.toContain('AU2');
    await appendFile(path.join(root('bp4d'), 'AUCoding/AU_OCC/F007_T1.csv'), '3,1,2\n');
    await expect(load('bp4d', root('bp4d'), { fold: 2 })).rejects.toThrow(
      /F007_T1\.csv:4: expected 13 cells/,
    );
  });

  it('RAF-AU: AU strings with sides, intensities and null; a bad token names the line', async () => {
    await writeFixtureDataset('raf-au', root('raf-au'), { perClass: 1 });
    const samples = await load('raf-au', root('raf-au'));
    // No official split: `test` is the whole labelled set, as `all` is.
    expect((await load('raf-au', root('raf-au'), { split: 'test' })).map((item) => item.id)).toEqual(
      samples.map((item) => item.id),
    );
    expect(samples.map((sample) => sample.AUs)).toEqual([
      ['AU1', 'AU2', 'AU5', 'AU25', 'AU26'],
      ['AU6', 'AU12'],
      ['AU4', 'AU7', 'AU23'],
      ['AU9', 'AU10'],
      ['AU1', 'AU4', 'AU15'],
      ['AU12', 'AU25'],
      [],
    ]);
    expect(samples[0]!.image).toBe(path.join(root('raf-au'), 'aligned', '0001_aligned.jpg'));
    await appendFile(path.join(root('raf-au'), 'RAFAU_label.txt'), '0008.jpg 1+smile\n');
    await expect(load('raf-au', root('raf-au'))).rejects.toThrow(
      /RAFAU_label\.txt:8: field "AUs": expected "<image> <AU>\+<AU>\.\.\."/,
    );
  });

  it('FABA-Instruct: the EmoLA files, AU and emotion records apart, EmoLA label codes', async () => {
    const fixture = await writeFixtureDataset('faba', root('faba'));
    const samples = await load('faba', root('faba'));
    expect(samples).toHaveLength(fixture.counts.test!);
    const au = samples.filter((sample) => sample.meta_info?.task === 'au');
    const emotion = samples.filter((sample) => sample.meta_info?.task === 'emotion');
    expect(au).toHaveLength(4);
    expect(emotion).toHaveLength(4);
    expect(au[0]).toMatchObject({
      id: 'au/AffectNet/AffectNet_v2/anger/eval_au_1',
      labels: [],
      AUs: ['AU4', 'AU5', 'AU24'],
    });
    expect(au[0]!.image).toBe(
      path.join(root('faba'), 'FABAInstruct/eval/images/AffectNet/AffectNet_v2/anger/eval_au_1.jpg'),
    );
    expect(au[0]!.description).toMatch(/^This face shows these action units: AU4/);
    // Emotion records are scored for accuracy only: every FABA AU is unknown for them.
    expect(emotion.map((sample) => sample.labels[0])).toEqual(['anger', 'happiness', 'sadness', 'surprise']);
    expect(emotion[0]!.meta_info?.unknownAus).toHaveLength(12);
    expect(emotion[0]!.AUs).toEqual([]);
    // The data folder or FABAInstruct/ itself both work as the root.
    expect(await load('faba', path.join(root('faba'), 'FABAInstruct'))).toHaveLength(samples.length);
    // Training records: LLaVA conversations; AUs from the answer when there is no label.
    const train = await load('faba', root('faba'), { split: 'train' });
    expect(train.find((sample) => sample.meta_info?.task === 'au')).toMatchObject({
      AUs: ['AU4', 'AU5', 'AU24'],
      question: 'In this face, what are the discernible action units?\n<image>',
      meta_info: expect.objectContaining({ labelSource: 'description' }),
    });
  });

  it('FABA-Instruct: unknown emotion codes, bad AU labels and missing images name file and record', async () => {
    const folder = path.join(directory, 'faba-bad', 'FABAInstruct', 'eval');
    await mkdir(folder, { recursive: true });
    await writeFile(
      path.join(folder, 'eval_emotion_anno.json'),
      JSON.stringify([
        { image: 'FABAInstruct/eval/images/a.jpg', label: 9, gpt4: 'x' },
        { image: 'FABAInstruct/eval/images/b.jpg', label: 'Bored', gpt4: 'x' },
        { image: 'FABAInstruct/eval/images/c.jpg', label: 'Happiness', gpt4: 'x' },
        { label: 0 },
      ]),
    );
    await writeFile(
      path.join(folder, 'eval_au_anno.json'),
      JSON.stringify([{ image: 'FABAInstruct/eval/images/d.jpg', label: '1, two', gpt4: 'x' }]),
    );
    const skipped: Error[] = [];
    const loaded = await load('faba', path.join(directory, 'faba-bad'), {
      onInvalid: 'skip',
      onSkip: (error) => skipped.push(error),
    });
    expect(loaded).toEqual([]);
    expect(skipped.map((error) => error.message)).toEqual([
      expect.stringMatching(
        /eval_au_anno\.json:1: field "label": expected AU numbers like "1, 2, 4", got "1, two"/,
      ),
      expect.stringMatching(
        /eval_emotion_anno\.json:1: field "label": expected 0-6 \(happiness, sadness,.*got 9/,
      ),
      expect.stringMatching(/eval_emotion_anno\.json:2: field "label": .*got "Bored"/),
      expect.stringMatching(/eval_emotion_anno\.json:3: field "image": no image at .*c\.jpg/),
      expect.stringMatching(/eval_emotion_anno\.json:4: field "image": expected the image path/),
    ]);
    await expect(load('faba', path.join(directory, 'faba-bad'))).rejects.toThrow(BenchmarkDataError);
  });

  it('DISFA/BP4D: frames found through a frame template; a missing frame names its label line', async () => {
    const disfa = path.join(directory, 'disfa-template');
    await writeFixtureDataset('disfa', disfa, { perClass: 2 });
    await mkdir(path.join(disfa, 'frames', 'SN002'), { recursive: true });
    for (const frame of [1, 2])
      await rename(
        path.join(disfa, 'Images', 'SN002', `${frame}.jpg`),
        path.join(disfa, 'frames', 'SN002', `img_${String(frame).padStart(5, '0')}.jpg`),
      );
    await expect(load('disfa', disfa, { fold: 0 })).rejects.toThrow(
      /SN002_au1\.txt:1: field "image": no image at .*Images\/SN002\/1\.jpg/,
    );
    const samples = await load('disfa', disfa, {
      fold: 0,
      frameTemplate: 'frames/{subject}/img_{frame:5}.jpg',
    });
    expect(samples.map((sample) => sample.image)).toEqual([
      path.join(disfa, 'frames/SN002/img_00001.jpg'),
      path.join(disfa, 'frames/SN002/img_00002.jpg'),
    ]);
    await expect(load('disfa', disfa, { frameTemplate: 'frames/{subjet}/{frame}.jpg' })).rejects.toThrow(
      /uses \{subjet\}; available: \{subject\}, \{frame\}/,
    );
    await writeFixtureDataset('bp4d', path.join(directory, 'bp4d-template'));
    const bp4d = await load('bp4d', path.join(directory, 'bp4d-template'), {
      subjects: ['F001'],
      frameTemplate: '{subject}/{task}/{frame}.jpg',
    });
    expect(bp4d.map((sample) => sample.id)).toEqual(['F001/T1/1', 'F001/T1/2']);
  });

  it('folder layouts: a class outside the label set is a bad row', async () => {
    const folder = path.join(root('fer-contempt'), 'test', 'contempt');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'a.png'), 'x');
    await expect(load('fer2013', root('fer-contempt'))).rejects.toThrow(
      /field "class folder": "contempt" names no emotion of fer2013; expected one of anger,/,
    );
  });

  it('FEA-20K: JSONL with labels normalised and images resolved; is_valid false skipped', async () => {
    await writeFixtureDataset('fea20k', root('fea20k'));
    await appendFile(
      path.join(root('fea20k'), 'test.jsonl'),
      `${JSON.stringify({ id: 'x', dataset: 'rafdb', image: 'nope.jpg', AUs: [], labels: ['happy'], is_valid: false })}\n`,
    );
    const samples = await load('fea20k', root('fea20k'));
    expect(samples).toHaveLength(8);
    expect(samples[0]!.image).toBe(path.join(root('fea20k'), 'images', 'rafdb/test_happiness_0.jpg'));
    await appendFile(path.join(root('fea20k'), 'test.jsonl'), '{"id": 3}\n');
    await expect(load('fea20k', root('fea20k'))).rejects.toThrow(/test\.jsonl:10: field "id"/);
  });

  it('names the expected layout for a wrong data root, and rejects unknown splits', async () => {
    for (const id of BENCHMARK_IDS) {
      const error = await load(id, path.join(directory, 'empty'), id === 'raf-au' ? {} : undefined).catch(
        (caught) => caught,
      );
      expect(error, id).toBeInstanceOf(DatasetLayoutError);
      expect(error.message).toMatch(/does not exist; pass the .* folder you downloaded/);
    }
    await mkdir(path.join(directory, 'empty-but-there'), { recursive: true });
    for (const id of BENCHMARK_IDS) {
      const error = await load(
        id,
        path.join(directory, 'empty-but-there'),
        id === 'raf-au' ? {} : undefined,
      ).catch((caught) => caught);
      expect(error, id).toBeInstanceOf(DatasetLayoutError);
      expect(error.message).toMatch(/does not look like .*: expected /);
    }
    await expect(load('rafdb', root('rafdb'), { split: 'validation' })).rejects.toThrow(
      /rafdb has no split "validation"; splits: train, test/,
    );
  });
});
