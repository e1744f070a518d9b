import path from 'node:path';
import { type FeaSample, writeFileAtomic, writeJsonlAtomic } from '@facial-r1/dataset';
import type { DecisionRecord, DecisionState } from './decision-log';
import type { Judge } from './judge-text';
import type { ReviewSet } from './review-set';

/** What `fea-train review --apply` wrote. */
export interface ApplyManifest {
  readonly input: string;
  readonly decisions: string;
  readonly reviewer: string;
  readonly output: string;
  readonly counts: {
    /** Samples in the round (kept, rejected and duplicates) or the dataset. */
    readonly samples: number;
    /** Samples of the reviewed dataset written. */
    readonly written: number;
    readonly accepted: number;
    readonly rejected: number;
    readonly edited: number;
    /** Edits that failed re-verification: left out. */
    readonly failedEdits: number;
    readonly undecided: number;
    /** Samples the verifier had rejected (or de-duplicated) that a reviewer brought back in. */
    readonly restored: number;
  };
  readonly failedEdits: readonly { readonly id: string; readonly failed: readonly string[] }[];
  /** Decided ids that are not in the input (a decisions file from another round?). */
  readonly unknownIds: readonly string[];
}

/** The reviewed dataset's file for a dataset file: `<name>.reviewed.jsonl` beside it. */
export function reviewedPath(datasetFile: string): string {
  return path.join(
    path.dirname(datasetFile),
    `${path.basename(datasetFile).replace(/\.jsonl$/, '')}.reviewed.jsonl`,
  );
}

/**
 * Merges a reviewer's decisions into the dataset: rejected samples out, edited descriptions in
 * after re-verification (an edit that fails is left out and listed), accepted samples in with
 * the review recorded in `meta_info.review`, undecided samples as they were. A sample the
 * verifier rejected (or de-duplicated) enters only when a reviewer accepted or edited it.
 * Written atomically to `output` (default {@link reviewedPath}) with `<output>.manifest.json`.
 */
export async function applyReview(
  set: ReviewSet,
  state: DecisionState,
  judge: Judge,
  options: { readonly decisionsFile: string; readonly reviewer: string; readonly output?: string },
): Promise<ApplyManifest> {
  const output = options.output ?? reviewedPath(set.datasetFile);
  const decided = state.decided();
  const written: FeaSample[] = [];
  const failedEdits: { id: string; failed: string[] }[] = [];
  let accepted = 0;
  let rejected = 0;
  let edited = 0;
  let undecided = 0;
  let restored = 0;
  const known = new Set<string>();
  const review = (record: DecisionRecord) => ({
    decision: record.decision,
    reviewer: record.reviewer,
    at: record.at,
  });
  for (const item of set.all) {
    known.add(item.id);
    const record = decided.get(item.id);
    const inDataset = item.origin === 'kept' || item.origin === 'dataset';
    if (!record) {
      undecided += 1;
      if (inDataset) written.push(item.sample);
      continue;
    }
    if (record.decision === 'reject') {
      rejected += 1;
      continue;
    }
    if (record.decision === 'accept') {
      accepted += 1;
      if (!inDataset) restored += 1;
      written.push({ ...item.sample, meta_info: { ...item.sample.meta_info, review: review(record) } });
      continue;
    }
    const text = record.text ?? '';
    const judgement = judge(text, item.sample);
    if (!judgement.passed) {
      failedEdits.push({ id: item.id, failed: [...judgement.failed] });
      continue;
    }
    edited += 1;
    if (!inDataset) restored += 1;
    written.push({
      ...item.sample,
      description: text,
      meta_info: {
        ...item.sample.meta_info,
        review: { ...review(record), original: item.sample.description ?? null },
      },
    });
  }
  await writeJsonlAtomic(output, written);
  const manifest: ApplyManifest = {
    input: set.datasetFile,
    decisions: options.decisionsFile,
    reviewer: options.reviewer,
    output,
    counts: {
      samples: set.all.length,
      written: written.length,
      accepted,
      rejected,
      edited,
      failedEdits: failedEdits.length,
      undecided,
      restored,
    },
    failedEdits,
    unknownIds: [...decided.keys()].filter((id) => !known.has(id)).sort(),
  };
  const manifestFile = `${output}.manifest.json`;
  await writeFileAtomic(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
