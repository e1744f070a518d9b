import { writeFile } from 'node:fs/promises';

const LABELS = [
  ['happiness', ['AU6', 'AU12'], 'the cheeks lift (AU6) and the lip corners pull up (AU12)'],
  [
    'sadness',
    ['AU1', 'AU4', 'AU15'],
    'the inner brows rise (AU1), the brows knit (AU4) and the lip corners fall (AU15)',
  ],
  ['surprise', ['AU1', 'AU2', 'AU26'], 'the brows rise (AU1, AU2) and the jaw drops (AU26)'],
  [
    'anger',
    ['AU4', 'AU7', 'AU23'],
    'the brows lower (AU4), the lids tighten (AU7) and the lips press (AU23)',
  ],
] as const;

/**
 * Writes an FEA JSONL of `count` samples over four labels and two datasets; every 7th text
 * names an extra AU (AU9) so the verifier's `aus` check fails on it.
 */
export async function writeLargeDataset(file: string, count: number) {
  const lines: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const [label, aus, text] = LABELS[index % LABELS.length]!;
    const extra = index % 7 === 0 ? ' while the nose wrinkles (AU9)' : '';
    lines.push(
      JSON.stringify({
        id: `x${String(index).padStart(6, '0')}`,
        dataset: index % 2 ? 'rafdb' : 'affectnet',
        image: `images/${index}.png`,
        AUs: aus,
        labels: [label],
        description: `<think>In this face ${text}${extra}, which together signal ${label} clearly.</think><answer>${label}</answer>`,
      }),
    );
  }
  await writeFile(file, `${lines.join('\n')}\n`);
}
