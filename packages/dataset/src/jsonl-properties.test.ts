import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AU_CODES, EMOTIONS } from '@facial-r1/facs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feaSampleSchema } from './fea-sample';
import { createJsonlAppender } from './jsonl-appender';
import { readJsonl } from './read-jsonl';
import { writeJsonlAtomic } from './write-jsonl-atomic';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

// Strings with line breaks, quotes, unicode (incl. astral), and U+2028/2029, which JSON allows raw.
const text = fc.string({ unit: 'binary', maxLength: 40 });
const sampleArbitrary = fc.record(
  {
    id: fc.string({ minLength: 1, maxLength: 12 }),
    dataset: text,
    image: fc.string({ minLength: 1, maxLength: 20 }),
    question: text,
    AUs: fc.array(
      fc.constantFrom(...AU_CODES).map((code) => `AU${code}`),
      { maxLength: 6 },
    ),
    // Labels must name an emotion (any case); AUs must be FACS-defined (see hardening.test.ts).
    labels: fc.array(
      fc
        .tuple(fc.constantFrom(...EMOTIONS), fc.boolean())
        .map(([label, upper]) => (upper ? label.toUpperCase() : label)),
      { maxLength: 2 },
    ),
    description: text,
    meta_info: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    is_valid: fc.boolean(),
    extra_field: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['id', 'dataset', 'image', 'AUs', 'labels'] },
);

describe('JSONL properties', () => {
  let directory: string;
  let counter = 0;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'fea-jsonl-properties-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));
  const nextFile = () => path.join(directory, `file-${counter++}.jsonl`);

  it('writeJsonlAtomic then readJsonl with the schema returns every sample unchanged (extra fields kept)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(sampleArbitrary, { maxLength: 8 }), async (samples) => {
        const file = nextFile();
        // JSON has no undefined/-0: compare with what JSON itself keeps.
        const expected = JSON.parse(JSON.stringify(samples));
        expect(await writeJsonlAtomic(file, samples)).toBe(samples.length);
        expect(await collect(readJsonl(file, { schema: feaSampleSchema }))).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('a file cut at any byte reopens to a prefix of whole records, and resuming restores all', async () => {
    const records = Array.from({ length: 6 }, (_, index) => ({
      id: `r${index}`,
      text: `é ${'x'.repeat(index * 3)} ✓`,
    }));
    const full = Buffer.from(records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: full.length }), async (cut) => {
        const file = nextFile();
        await writeFile(file, full.subarray(0, cut));
        const appender = await createJsonlAppender<{ id: string; text: string }>(file, {
          key: (record) => record.id,
        });
        const kept = appender.size;
        const onDisk = await readFile(file, 'utf8');
        // Only whole lines remain, and they are the first `kept` records.
        expect(onDisk).toBe(
          records
            .slice(0, kept)
            .map((record) => `${JSON.stringify(record)}\n`)
            .join(''),
        );
        for (const record of records) if (!appender.has(record.id)) await appender.append(record);
        await appender.close();
        expect(await readFile(file)).toEqual(full);
      }),
      { numRuns: 80 },
    );
  });
});
