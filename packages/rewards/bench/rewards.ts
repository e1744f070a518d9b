// Reward throughput. In process: completions/s per preset on one core. Over HTTP: the reward
// server in this process, load from a second process (autocannon), batches of 256 and 8192;
// items/s and p50/p99 latency. The peer is the naive one-regex-per-term implementation of the
// reference rewards (what a Python-style port would do), measured in the same run.
// Run: pnpm --filter @facial-r1/rewards bench
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createRewardServer, PRESETS, scoreCompletions } from '../src/index';

const completions = [
  '<think>The inner brows are raised (AU1) and pulled together (AU4), and the lip corners are pulled down (AU15). Raised, drawn-together inner brows with depressed lip corners form the sadness prototype.</think><answer>sadness</answer>',
  '<think>Cheeks raised (AU6) and lip corners pulled up (AU12): a Duchenne smile.</think>\n<answer>happiness</answer>',
  '<think>The brows are lowered (AU04), lids tightened (AU7) and lips pressed (AU24).</think><answer>anger</answer>',
  ' <think>AU1 AU2 AU5 AU26</think><answer>Surprise</answer>',
];
const samples = [
  { labels: ['sadness'], AUs: ['AU1', 'AU4', 'AU15'] },
  { labels: ['happiness'], AUs: ['AU6', 'AU12'] },
  { labels: ['anger'], AUs: ['AU4', 'AU7', 'AU24'] },
  { labels: ['surprise'], AUs: ['AU1', 'AU2', 'AU5', 'AU26'] },
];
const items = Array.from({ length: 20_000 }, (_, index) => ({
  completion: completions[index % 4]!,
  sample: samples[index % 4]!,
}));

function naiveReference(completion: string, sample: { labels: string[]; AUs: string[] }) {
  const format = /^<think>[\s\S]*?<\/think>\s*<answer>[\s\S]*?<\/answer>$/.test(completion) ? 1 : 0;
  const truth = (sample.labels[0] ?? '').replace(/<\/?answer>/g, '').trim();
  const answers = [...completion.matchAll(/<answer>([\s\S]*?)<\/answer>/g)];
  const answer = (answers.at(-1)?.[1] ?? completion).trim();
  const accuracy = truth === '' ? 0.5 : answer === truth ? 1 : 0;
  const think = /<think>([\s\S]*?)<\/think>/i.exec(completion)?.[1];
  const predicted = new Set(think ? (think.toUpperCase().match(/AU\d+/g) ?? []) : []);
  const gold = new Set(sample.AUs.map((au) => au.toUpperCase()));
  let au = 0;
  if (gold.size) {
    const hits = [...predicted].filter((token) => gold.has(token)).length;
    au = predicted.size === 0 ? -1 : hits === 0 ? -1 : 2 * ((2 * hits) / (predicted.size + gold.size)) - 1;
  }
  return Math.max(-10, Math.min(10, format + accuracy + au));
}

function throughput(run: () => void, count: number): number {
  run(); // warm up
  let total = 0;
  const start = performance.now();
  while (performance.now() - start < 1500) {
    run();
    total += count;
  }
  return total / ((performance.now() - start) / 1000);
}

const rows: string[] = [];
const naive = throughput(() => {
  for (const item of items) naiveReference(item.completion, item.sample);
}, items.length);
const reference = throughput(() => scoreCompletions(items, { preset: 'facial-r1' }), items.length);
for (const preset of Object.keys(PRESETS)) {
  const rate =
    preset === 'facial-r1' ? reference : throughput(() => scoreCompletions(items, { preset }), items.length);
  rows.push(`| ${preset} | ${Math.round(rate).toLocaleString('en')} |`);
}
rows.push(`| naive regex reference (peer) | ${Math.round(naive).toLocaleString('en')} |`);
console.log('In process, one core:\n\n| preset | completions/s |\n|---|---|');
console.log(rows.join('\n'));
console.log(`\nratio facial-r1 / naive regex peer: ${(reference / naive).toFixed(2)}x`);

const server = createRewardServer({ preset: 'facial-r1', maxItems: 10_000 });
const { url } = await server.listen();
const autocannon = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const run = promisify(execFile);
console.log(
  '\nOver HTTP (load from a second process, autocannon, 1 connection, 6 s):\n\n| batch | requests/s | items/s | p50 ms | p99 ms |\n|---|---|---|---|---|',
);
for (const batch of [256, 8192]) {
  const bodyFile = path.join(os.tmpdir(), `fea-reward-bench-${batch}.json`);
  await writeFile(bodyFile, JSON.stringify({ items: items.slice(0, batch) }));
  const { stdout } = await run(
    process.execPath,
    [
      autocannon,
      '-j',
      '-c',
      '1',
      '-d',
      '6',
      '-m',
      'POST',
      '-H',
      'content-type=application/json',
      '-i',
      bodyFile,
      `${url}/score`,
    ],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const result = JSON.parse(stdout) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
  };
  if (result.non2xx) throw new Error(`${result.non2xx} non-2xx responses`);
  console.log(
    `| ${batch} | ${result.requests.average.toFixed(1)} | ${Math.round(result.requests.average * batch).toLocaleString('en')} | ${result.latency.p50} | ${result.latency.p99} |`,
  );
}
await server.close();
