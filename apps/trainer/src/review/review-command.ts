import os from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import { applyReview } from './apply-review';
import { DecisionLog, decisionsPath, readDecisions, reviewerName } from './decision-log';
import { createJudge } from './judge-text';
import { createReviewServer } from './review-server';
import { loadReviewSet } from './review-set';

/** Options of `fea-train review`. */
export interface ReviewCommandOptions {
  readonly sample?: number;
  readonly seed?: number;
  readonly port?: number;
  readonly host?: string;
  readonly token?: string;
  readonly reviewer?: string;
  readonly images?: readonly string[];
  readonly samples?: string;
  readonly preset?: string;
  readonly apply?: boolean;
  readonly out?: string;
}

const whole = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a whole number');
  return parsed;
};

function defaultReviewer() {
  try {
    return process.env.FEA_REVIEWER ?? os.userInfo().username;
  } catch {
    return 'reviewer';
  }
}

/**
 * `fea-train review <input>`: serves the review studio until SIGINT/SIGTERM, or with `apply`
 * merges the reviewer's decisions into `<name>.reviewed.jsonl`.
 */
export async function runReviewCommand(input: string, options: ReviewCommandOptions): Promise<void> {
  const reviewer = reviewerName(options.reviewer ?? defaultReviewer());
  const set = await loadReviewSet(input, {
    sample: options.apply ? undefined : options.sample,
    seed: options.seed,
    images: options.images,
    samples: options.samples,
  });
  const judge = createJudge({ verifier: set.verifier, preset: options.preset });
  const file = decisionsPath(set.datasetFile, reviewer);
  for (const note of set.notes) console.log(`note: ${note}`);
  if (options.apply) {
    const manifest = await applyReview(set, await readDecisions(file), judge, {
      decisionsFile: file,
      reviewer,
      output: options.out,
    });
    const { counts } = manifest;
    console.log(
      `Applied ${reviewer}'s decisions (${file}): ${counts.written} of ${counts.samples} samples written to ${manifest.output} - ${counts.accepted} accepted, ${counts.edited} edited, ${counts.rejected} rejected, ${counts.undecided} undecided, ${counts.restored} restored from the verifier's rejections`,
    );
    for (const failed of manifest.failedEdits)
      console.log(`  left out ${failed.id}: the edit fails ${failed.failed.join(', ')}`);
    if (manifest.unknownIds.length)
      console.log(
        `  ${manifest.unknownIds.length} decided id(s) are not in the input: ${manifest.unknownIds.slice(0, 5).join(', ')}`,
      );
    return;
  }
  const log = await DecisionLog.open(file, reviewer);
  const server = createReviewServer({
    set,
    log,
    judge,
    host: options.host,
    port: options.port ?? 8310,
    token: options.token ?? process.env.FEA_REVIEW_TOKEN,
  });
  const { url } = await server.listen().catch(async (error) => {
    await log.close();
    throw error;
  });
  const decided = log.state.decided().size;
  console.log(
    `Review studio: ${set.items.length} sample(s)${set.items.length < set.all.length ? ` (a stratified sample of ${set.all.length})` : ''}, ${decided} already decided by ${reviewer}`,
  );
  console.log(`Decisions: ${file}`);
  console.log(`Open ${url}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.close();
  await log.close();
  console.log('Review studio stopped; every decision is in the decisions file.');
}

/** Adds `review` to the `fea-train` program. */
export function registerReviewCommand(program: Command): void {
  program
    .command('review')
    .argument(
      '<input>',
      'a synthesis round folder (<workDir>/stage3/round-<k>), a round file, or any FEA JSONL',
    )
    .description(
      'Review synthesized reasoning in the browser (accept / reject / edit with live re-verification); --apply merges the decisions',
    )
    .option('--sample <n>', 'review a stratified sample of n samples (dataset x emotion, AU coverage)', whole)
    .option('--seed <s>', 'seed of the sample', whole, 0)
    .option('--port <p>', 'port (0: any free port)', whole, 8310)
    .option('--host <host>', 'address to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--token <token>', 'require this token (or FEA_REVIEW_TOKEN); the printed URL carries it')
    .option('--reviewer <name>', 'whose decisions file to write (default: FEA_REVIEWER or the user name)')
    .option('--images <dir...>', "folders images may be served from (default: the dataset file's folder)")
    .option('--samples <file>', "a round's source samples (default <workDir>/data/samples.jsonl)")
    .option('--preset <name>', 'reward preset shown on each card', 'aligned')
    .option('--apply', "merge the reviewer's decisions into <name>.reviewed.jsonl and exit")
    .option('--out <file>', 'with --apply: where to write the reviewed dataset')
    .addHelpText(
      'after',
      `
Keys: a accept, r reject (1-6 picks a reason), e edit (Ctrl+Enter saves), j/k next/previous, u undo.
Decisions are appended (fsync) to <name>.decisions.<reviewer>.jsonl beside the dataset as they are made;
rerun the same command to resume. Two reviewers' files give Cohen's kappa in the progress bar.`,
    )
    .action((input: string, options: ReviewCommandOptions) => runReviewCommand(input, options));
}
