import { readFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@facial-r1/dataset';
import type { FeaSample } from '@facial-r1/dataset';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { ReviewSheetError } from '../errors';
import { stratifiedPick } from '../synthesize/stratified-pick';
import { createVerifier, type VerifierOptions } from '../verify/verifier';

/** The columns of a review CSV; reviewers fill `decision` (accept | reject | edit) and `edited_description`. */
export const REVIEW_COLUMNS = [
  'id',
  'dataset',
  'labels',
  'AUs',
  'image',
  'description',
  'decision',
  'edited_description',
  'note',
] as const;

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/**
 * Writes a stratified review sample as `review.csv` (the sheet reviewers fill in) and
 * `review.html` (read-only: each image, the ground truth, the reasoning) into `directory`.
 * Images are linked by a path relative to the page (or embedded as data URLs with
 * `embedImages`) so the page works offline.
 */
export async function exportReviewSheet(
  samples: readonly FeaSample[],
  options: {
    readonly directory: string;
    readonly size?: number;
    readonly seed?: number;
    readonly embedImages?: boolean;
  },
) {
  const picked = stratifiedPick(samples, options.size ?? 100, options.seed ?? 0).sort((a, b) =>
    a.id < b.id ? -1 : 1,
  );
  await mkdir(options.directory, { recursive: true });
  const rows = picked.map((sample) => ({
    id: sample.id,
    dataset: sample.dataset,
    labels: sample.labels.join('|'),
    AUs: sample.AUs.join('|'),
    image: sample.image,
    description: sample.description ?? '',
    decision: '',
    edited_description: '',
    note: '',
  }));
  const csvFile = path.join(options.directory, 'review.csv');
  await writeAtomic(csvFile, stringify(rows, { header: true, columns: [...REVIEW_COLUMNS] }));

  const cards = await Promise.all(
    picked.map(async (sample) => {
      const source = options.embedImages
        ? `data:image/${path.extname(sample.image).slice(1).replace('jpg', 'jpeg') || 'jpeg'};base64,${(await readFile(sample.image)).toString('base64')}`
        : path.relative(options.directory, sample.image).split(path.sep).join('/');
      return `<article><img src="${escapeHtml(source)}" alt="${escapeHtml(sample.id)}" loading="lazy">
<div><h2>${escapeHtml(sample.id)} <small>${escapeHtml(sample.dataset)}</small></h2>
<p><b>Label:</b> ${escapeHtml(sample.labels.join(', ') || '(AU only)')} &nbsp; <b>AUs:</b> ${escapeHtml(sample.AUs.join(', '))}</p>
<pre>${escapeHtml(sample.description ?? '')}</pre></div></article>`;
    }),
  );
  const htmlFile = path.join(options.directory, 'review.html');
  await writeAtomic(
    htmlFile,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Facial-R1 review sheet</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:70rem}article{display:flex;gap:1rem;border-bottom:1px solid #ddd;padding:1rem 0}
img{width:160px;height:160px;object-fit:cover;border-radius:6px}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}</style></head>
<body><h1>Review sheet (${picked.length} samples)</h1>
<p>Record each decision in <code>review.csv</code>: <code>decision</code> = accept, reject or edit; for edit, put the corrected
<code>&lt;think&gt;...&lt;/think&gt;&lt;answer&gt;...&lt;/answer&gt;</code> in <code>edited_description</code>. Edits are verified again on import.</p>
${cards.join('\n')}</body></html>\n`,
  );
  return { csvFile, htmlFile, count: picked.length };
}

/** The outcome of applying a review sheet. */
export interface ReviewResult {
  /** Samples to keep: accepted as they were, or with a verified edit. */
  readonly kept: FeaSample[];
  readonly rejected: string[];
  /** Edits that failed verification, with what was wrong; they are not kept. */
  readonly failedEdits: { readonly id: string; readonly problems: readonly string[] }[];
  /** Rows left without a decision. */
  readonly undecided: string[];
}

/**
 * Applies a filled-in review CSV to the samples it was exported from. Edited reasoning is
 * verified again with the same checks as synthesis; rows with an unknown id or decision are
 * {@link ReviewSheetError}s naming the line.
 */
export async function importReviewDecisions(
  csvFile: string,
  samples: readonly FeaSample[],
  verifierOptions: VerifierOptions = {},
): Promise<ReviewResult> {
  const byId = new Map(samples.map((sample) => [sample.id, sample]));
  const records = parse(await readFile(csvFile, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
    info: true,
  }) as {
    record: Record<string, string>;
    info: { lines: number };
  }[];
  const verify = createVerifier(verifierOptions);
  const result: ReviewResult = { kept: [], rejected: [], failedEdits: [], undecided: [] };
  for (const { record, info } of records) {
    const sample = byId.get(record.id ?? '');
    if (!sample)
      throw new ReviewSheetError(
        csvFile,
        info.lines,
        `column "id": no exported sample has id "${record.id}"`,
      );
    const decision = (record.decision ?? '').trim().toLowerCase();
    if (decision === '') result.undecided.push(sample.id);
    else if (decision === 'accept') result.kept.push(sample);
    else if (decision === 'reject') result.rejected.push(sample.id);
    else if (decision === 'edit') {
      const edited = (record.edited_description ?? '').trim();
      if (!edited)
        throw new ReviewSheetError(
          csvFile,
          info.lines,
          'column "edited_description": decision "edit" needs the corrected text',
        );
      const verification = verify(edited, sample);
      if (verification.passed) result.kept.push({ ...sample, description: edited });
      else result.failedEdits.push({ id: sample.id, problems: verification.problems });
    } else {
      throw new ReviewSheetError(
        csvFile,
        info.lines,
        `column "decision": expected accept, reject or edit, got "${record.decision}"`,
      );
    }
  }
  return result;
}

async function writeAtomic(file: string, text: string) {
  await writeFileAtomic(file, text);
}
