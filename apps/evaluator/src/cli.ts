import { BENCHMARK_IDS, getBenchmark, listBenchmarks } from '@facial-r1/benchmarks';
import {
  describeErrorForCli,
  describeProgress,
  findUnknownOption,
  ProgressReporter,
} from '@facial-r1/cli-kit';
import { exitCodeFor } from '@facial-r1/spec';
import { createFacialR1ModelRegistry, demoPhotoPaths } from '@facial-r1/vision';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { analysisToCsv } from './analysis-csv';
import { analyzeImages, formatAnalysis } from './analyze-images';
import { renderAnalysisHtml } from './analyze-report';
import { expandImagePaths } from './expand-image-paths';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { compareReports, readRunReports, renderComparison } from './compare-runs';
import { runBenchmark } from './run-benchmark';

/** Exit codes: 0 success, 1 a failed run (or an interrupted or incomplete one), 2 a usage error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

// src/cli.ts and dist/bin.js are both one folder below the package root.
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const whole = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a whole number');
  return parsed;
};

/** Builds the `fea-eval` program. */
export function createProgram(): Command {
  const program = new Command('fea-eval')
    .description('Evaluate FEA models on the public benchmarks and compare runs.')
    .version(VERSION)
    .showHelpAfterError()
    .addHelpText(
      'after',
      `
Examples:
  fea-eval analyze                                      the demo photos, with the built-in face baseline
  fea-eval analyze photo.jpg --json
  fea-eval analyze photo.jpg --out analysis.html
  fea-eval analyze photos/ --csv faces.csv
  fea-eval run --benchmark rafdb --data /data/RAF-DB --model baseline --out runs/baseline-rafdb
  fea-eval list
  fea-eval run --benchmark rafdb --data /data/RAF-DB --model "openai:http://127.0.0.1:8000/v1#Qwen/Qwen2.5-VL-7B-Instruct" --out runs/qwen-rafdb
  fea-eval run --benchmark disfa --data /data/DISFA --fold 0 --model "openai:http://gpu1:8000/v1,http://gpu2:8000/v1#facial-r1" --concurrency 64 --out runs/fr1-disfa
  fea-eval compare runs/qwen-rafdb runs/fr1-rafdb --against-paper`,
    );

  program
    .command('analyze')
    .argument(
      '[images...]',
      'image files or folders (searched recursively for .jpg/.jpeg/.png/.webp/.gif/.avif/.tif/.tiff; default: the sample photos shipped with @vladmandic/face-api)',
    )
    .description(
      'Find each face, estimate its Action Units, name the emotion and write AU-grounded reasoning (built-in baseline, offline)',
    )
    .option('--json', 'machine-readable output')
    .option(
      '--out <file>',
      'write an HTML page (each photo with numbered face boxes, each face crop with its landmarks and AU bars), or a CSV when the name ends in .csv',
    )
    .option(
      '--csv <file>',
      'write a CSV, one row per face: file, face, source, box, detection score, each AU probability, each emotion probability, label',
    )
    .action(async (images: string[], options: { json?: boolean; out?: string; csv?: string }) => {
      const files = images.length ? await expandImagePaths(images) : demoPhotoPaths();
      const reporter = new ProgressReporter();
      const results = await analyzeImages(files, {
        onImage: (done, total, file) =>
          reporter.update(`analyze  ${describeProgress({ done, total })}  ${path.basename(file)}`),
      });
      reporter.log(
        `analysed ${files.length} image(s): ${results.reduce((sum, image) => sum + image.faces.length, 0)} face(s), ${results.filter((image) => image.error).length} failed`,
      );
      if (options.json) console.log(JSON.stringify(results, null, 2));
      else process.stdout.write(formatAnalysis(results));
      const csvPath = options.csv ?? (options.out?.toLowerCase().endsWith('.csv') ? options.out : undefined);
      if (csvPath) {
        await writeFile(csvPath, analysisToCsv(results));
        console.error(`CSV: ${path.resolve(csvPath)}`);
      }
      if (options.out && options.out !== csvPath) {
        await writeFile(options.out, await renderAnalysisHtml(results));
        console.error(`Report: ${path.resolve(options.out)}`);
      }
      for (const image of results) if (image.error) console.error(`fea-eval: ${image.file}: ${image.error}`);
      if (results.some((image) => image.error)) process.exitCode = EXIT.failed;
    });

  program
    .command('list')
    .description('The benchmarks, their tasks, splits and expected layouts')
    .option('--json', 'machine-readable output')
    .action((options: { json?: boolean }) => {
      const rows = listBenchmarks().map(({ id, title, task, splits, defaultSplit, layout, version }) => ({
        id,
        title,
        task,
        splits,
        defaultSplit,
        layout,
        version,
      }));
      if (options.json) console.log(JSON.stringify(rows, null, 2));
      else
        for (const row of rows)
          console.log(
            `${row.id.padEnd(10)} ${row.task.padEnd(11)} splits ${row.splits.join('/')} (default ${row.defaultSplit})\n           ${row.layout}`,
          );
    });

  program
    .command('run')
    .description(
      'Run a model on a benchmark split; resumable; writes predictions.jsonl, report.json and report.md',
    )
    .requiredOption('--benchmark <id>', `one of ${BENCHMARK_IDS.join(', ')}`)
    .requiredOption('--data <root>', 'the dataset folder as downloaded')
    .requiredOption(
      '--model <id>',
      'openai:<baseURL>[,<baseURL>...]#<model>, or baseline (the built-in face model)',
    )
    .option('--split <split>', "split (default: the benchmark's test split)")
    .option('--fold <k>', 'DISFA/BP4D fold (0-2)', whole)
    .option('--limit <n>', 'at most n samples', whole)
    .option('--concurrency <n>', 'requests in flight', whole, 4)
    .option('--max-tokens <n>', 'max new tokens', whole, 1024)
    .option('--resamples <n>', 'bootstrap resamples for the intervals', whole, 1000)
    .option(
      '--judge <id>',
      'an OpenAI-compatible model that scores the reasoning 1-10 against the reference (FEA-20K "Score")',
    )
    .option('--out <dir>', 'run directory', 'fea-eval-run')
    .option('--no-retry-errors', 'keep the model errors a previous run recorded instead of asking again')
    .option(
      '--allow-outside-root',
      'read images the annotations place outside the --data folder (.., absolute paths, symbolic links)',
    )
    .option('--json', 'print the headline metrics as JSON')
    .action(
      async (options: {
        benchmark: string;
        data: string;
        model: string;
        judge?: string;
        split?: string;
        fold?: number;
        limit?: number;
        concurrency: number;
        maxTokens: number;
        resamples: number;
        out: string;
        retryErrors: boolean;
        allowOutsideRoot?: boolean;
        json?: boolean;
      }) => {
        const adapter = getBenchmark(options.benchmark);
        const registry = createFacialR1ModelRegistry();
        const model = await registry.resolve(options.model);
        const judge = options.judge
          ? { model: await registry.resolve(options.judge), modelId: options.judge }
          : undefined;
        const reporter = new ProgressReporter();
        const controller = new AbortController();
        const stop = () => {
          process.stderr.write(
            '\nstopping: finished predictions are kept; rerun the same command to resume\n',
          );
          controller.abort();
        };
        process.once('SIGINT', stop);
        try {
          const result = await runBenchmark({
            benchmark: adapter.id,
            data: options.data,
            model,
            modelId: options.model,
            out: options.out,
            split: options.split,
            fold: options.fold,
            limit: options.limit,
            concurrency: options.concurrency,
            maxTokens: options.maxTokens,
            resamples: options.resamples,
            judge,
            retryErrors: options.retryErrors,
            allowOutsideRoot: options.allowOutsideRoot,
            signal: controller.signal,
            onProgress: (done, total) =>
              reporter.update(`${adapter.id}  ${describeProgress({ done, total })}`),
          });
          const counts = result.report.counts;
          reporter.log(
            `${adapter.id}: ${counts.samples} samples, ${result.generated} asked in this run, ${result.cached} from cache; ${counts.predicted} answered, ${counts.errors} model errors, ${counts.missing} missing`,
          );
          const incomplete = result.incomplete
            ? `INCOMPLETE: ${result.incomplete}. Partial numbers (samples without an answer count as wrong), not comparable with the paper's; rerun the same command to finish.`
            : undefined;
          if (options.json)
            console.log(
              JSON.stringify(
                {
                  benchmark: adapter.id,
                  complete: !result.incomplete,
                  ...(result.incomplete ? { incomplete: result.incomplete } : {}),
                  counts,
                  headline: result.report.headline,
                  files: result.files,
                },
                null,
                2,
              ),
            );
          else {
            if (incomplete) console.log(incomplete);
            for (const [key, metric] of Object.entries(result.report.headline)) {
              const scale = key === 'rege' || key === 'judge' ? 1 : 100;
              console.log(
                `${incomplete ? 'partial ' : ''}${metric.label}: ${(scale * metric.value).toFixed(1)} (95% ${(scale * metric.low).toFixed(1)}-${(scale * metric.high).toFixed(1)})`,
              );
            }
            const failures = result.report.rows.filter((row) => row.error !== undefined);
            for (const row of failures.slice(0, 5)) console.log(`model error on ${row.id}: ${row.error}`);
            if (failures.length > 5)
              console.log(`... ${failures.length - 5} more model errors in ${result.files.markdown}`);
            console.log(`Report: ${result.files.markdown}`);
          }
          if (incomplete) {
            if (options.json) console.error(`fea-eval: ${incomplete}`);
            process.exitCode = EXIT.failed;
          }
        } finally {
          process.off('SIGINT', stop);
          await model.dispose();
          await judge?.model.dispose();
        }
      },
    );

  program
    .command('compare')
    .description('Side-by-side headline metrics of runs, paired bootstrap deltas against the first')
    .argument('<runs...>', 'run directories (each with report.json)')
    .option('--against-paper', 'add the published rows (Facial-R1, GPT-4o, EmoLA, ...)')
    .option('--json', 'machine-readable output')
    .action(async (runs: string[], options: { againstPaper?: boolean; json?: boolean }) => {
      const reports = await readRunReports(runs);
      const compared = compareReports(reports);
      if (options.json) console.log(JSON.stringify(compared, null, 2));
      else
        process.stdout.write(
          renderComparison(reports, compared, { againstPaper: options.againstPaper, labels: runs }),
        );
    });
  return program;
}

/** Runs the CLI; returns the exit code (0 ok, 1 failed run, 2 usage). */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = createProgram().exitOverride();
  for (const command of program.commands) command.exitOverride();
  const unknown = findUnknownOption(program, argv);
  if (unknown) {
    console.error(unknown);
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv]);
    // A command that finished but reports failures (some images failed) sets process.exitCode.
    return typeof process.exitCode === 'number' && process.exitCode !== 0 ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    console.error(`fea-eval: ${describeErrorForCli(error)}`);
    return exitCodeFor(error);
  }
}
