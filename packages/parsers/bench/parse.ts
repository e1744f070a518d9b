// Parse throughput: ours (robust mode, facial-r1 mode, and the parseReference fast path) against
// a naive regex parser written the obvious way, on typical completions and on 1 MB adversarial
// strings, all measured in this run. The peer runs in a worker thread on adversarial input so a
// catastrophic backtrack can be cut off (reported as "> limit").
// Run: pnpm --filter @facial-r1/parsers bench
import { Worker } from 'node:worker_threads';
import { parseCompletion, parseReference } from '../src/index';

// Completions arrive as flat strings (JSON from a server, a JSONL line); a string built with
// `+` is a rope V8 reads more slowly, so every input is flattened the same way first.
const flat = (text: string): string => JSON.parse(JSON.stringify(text));

const TYPICAL = [
  '<think>The inner brows are raised (AU1) and drawn together (AU4), the upper eyelids are raised (AU5) and the lips are ' +
    'stretched horizontally (AU20) while the jaw drops (AU26). Raised and drawn-together brows with wide eyes and stretched ' +
    'lips form the FACS fear configuration; the open jaw adds to the startle, so the expression is fear rather than surprise, ' +
    'which would lack the brow lowering (AU4) and the lip stretch (AU20).</think>\n<answer>fear</answer>',
  '<think>The cheeks are raised (AU6) and the lip corners are pulled up and back (AU12), with the lips parted (AU25) so the ' +
    'upper teeth show. Crow-feet wrinkles at the outer eye corners accompany the raised cheeks, the brows rest in their neutral ' +
    'position, and the mouth opening is relaxed. Cheek raising together with the lip corner pull is the Duchenne smile, the ' +
    'core configuration of genuine enjoyment, so the face expresses happiness.</think><answer>happiness</answer>',
  '<think>The brows are lowered and pulled together (AU4), the upper lids are raised (AU5) and the lids tightened (AU7), ' +
    'while the lips are pressed firmly together (AU24) and the chin is raised (AU17). The glare from raised and tightened lids ' +
    'under lowered brows, together with pressed lips, matches the prototypical anger display; a disgust reading would need the ' +
    'nose wrinkle (AU9) or the upper lip raise (AU10), which are absent here.</think>\n<answer>anger</answer>',
].map(flat);

// The peer: what one would write with regular expressions (a backtracking engine).
const NAIVE_SOURCE = `(text) => {
  const wellFormed = /^<think>[\\s\\S]*?<\\/think>\\s*<answer>[\\s\\S]*?<\\/answer>$/.test(text);
  const think = /<think>([\\s\\S]*?)<\\/think>/i.exec(text)?.[1] ?? '';
  const aus = [...new Set(think.toUpperCase().match(/AU\\d+/g) ?? [])];
  const answers = [...text.matchAll(/<answer>([\\s\\S]*?)<\\/answer>/g)];
  const answer = (answers.at(-1)?.[1] ?? text).trim();
  return { wellFormed, aus, answer };
}`;
// The same source runs here and in the worker below.
const naiveParse = new Function(`return ${NAIVE_SOURCE}`)() as (text: string) => {
  wellFormed: boolean;
  aus: string[];
};

/** Parses per second, measured for at least `minimumMs`. */
function measure(run: () => void, minimumMs = 500, warmUp = 200): number {
  for (let index = 0; index < warmUp; index += 1) run();
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minimumMs) {
    run();
    iterations += 1;
    elapsed = performance.now() - start;
  }
  return iterations / (elapsed / 1000);
}

/** Milliseconds per call of the peer on `text`, in a worker killed after `limitMs`. */
function peerMilliseconds(text: string, limitMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const parse = ${NAIVE_SOURCE};
       parse(workerData.slice(0, 64));
       let runs = 0; const start = performance.now();
       do { parse(workerData); runs += 1; } while (performance.now() - start < 200);
       parentPort.postMessage((performance.now() - start) / runs);`,
      { eval: true, workerData: text },
    );
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve(null);
    }, limitMs);
    worker.once('message', (milliseconds: number) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(milliseconds);
    });
    worker.once('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

const rate = (value: number) =>
  value >= 1e6
    ? `${(value / 1e6).toFixed(2)}M/s`
    : value >= 1000
      ? `${(value / 1000).toFixed(1)}k/s`
      : `${value.toFixed(1)}/s`;
const milliseconds = (value: number) =>
  value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(2)} ms`;

let next = 0;
const nextTypical = () => {
  next = (next + 1) % TYPICAL.length;
  return TYPICAL[next]!;
};
const robust = measure(() => parseCompletion(nextTypical()));
const mode = measure(() => parseCompletion(nextTypical(), { mode: 'facial-r1' }));
const modeWithIssues = measure(() => parseCompletion(nextTypical(), { mode: 'facial-r1' }).formatIssues);
const reference = measure(() => parseReference(nextTypical()));
const naive = measure(() => naiveParse(nextTypical()));
const averageLength = Math.round(TYPICAL.reduce((sum, text) => sum + text.length, 0) / TYPICAL.length);

console.log(`## Typical completions (${TYPICAL.length} texts, ${averageLength} characters on average)\n`);
console.log('| parser | throughput | vs naive regex |\n|---|---|---|');
for (const [name, value] of [
  ['parseCompletion, robust mode', robust],
  ["parseCompletion, mode 'facial-r1'", mode],
  ["parseCompletion, mode 'facial-r1' + formatIssues", modeWithIssues],
  ['parseReference (reference fields only)', reference],
  ['naive regex parser (peer)', naive],
] as const) {
  console.log(`| ${name} | ${rate(value)} | ${(value / naive).toFixed(2)}x |`);
}

const megabyte = 1 << 20;
const ADVERSARIAL: [string, string][] = [
  ['1 MB of `<think>`', '<think>'.repeat(megabyte / 7)],
  ['`<think>`, then 1 MB of `</think>   `', `<think>${'</think>   '.repeat(megabyte / 10)}x</answer>`],
  [
    '`<think><answer>` nested 32k deep',
    `${'<think><answer>'.repeat(megabyte / 32)}AU4${'</answer></think>'.repeat(megabyte / 32)}`,
  ],
  ['100k `AU`', 'AU'.repeat(100_000)],
  ['`AU` + 1 MB of digits', `<think>AU${'9'.repeat(megabyte)}</think>`],
  ['40k think blocks', '<think>AU1 no AU2</think>'.repeat(Math.floor(megabyte / 26))],
].map(([name, text]) => [name!, flat(text!)]);

const LIMIT_MS = 10_000;
console.log('\n## 1 MB adversarial inputs (time per parse)\n');
console.log(
  '| input | robust | facial-r1 | parseReference | naive regex (peer) | peer / parseReference |\n|---|---|---|---|---|---|',
);
for (const [name, text] of ADVERSARIAL) {
  const ours = 1000 / measure(() => parseCompletion(text), 300, 2);
  const oursReference = 1000 / measure(() => parseCompletion(text, { mode: 'facial-r1' }), 300, 2);
  const fast = 1000 / measure(() => parseReference(text), 300, 2);
  const peer = await peerMilliseconds(text, LIMIT_MS);
  console.log(
    `| ${name} | ${milliseconds(ours)} | ${milliseconds(oursReference)} | ${milliseconds(fast)} | ${
      peer === null ? `> ${LIMIT_MS / 1000} s (stopped)` : milliseconds(peer)
    } | ${peer === null ? `> ${Math.round(LIMIT_MS / fast)}x` : `${(peer / fast).toFixed(2)}x`} |`,
  );
}
