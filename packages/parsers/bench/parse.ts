// Parse throughput: ours (robust and facial-r1 modes, and the reference fast path) against a
// naive regex parser written the obvious way, on typical completions and on 1 MB adversarial
// strings. Prints a table and the ratios. Run: pnpm --filter @facial-r1/parsers bench
import { parseCompletion, parseReference } from '../src/index';

const typical =
  '<think>The inner brows are raised (AU1) and drawn together (AU4), the upper eyelids are raised (AU5) and the lips are ' +
  'stretched horizontally (AU20) while the jaw drops (AU26). Raised and drawn-together brows with wide eyes and stretched ' +
  'lips form the FACS fear configuration; the open jaw adds to the startle, so the expression is fear rather than surprise, ' +
  'which would lack the brow lowering (AU4) and the lip stretch (AU20).</think>\n<answer>fear</answer>';

// The peer: what one would write with regular expressions (backtracking engine).
function naiveParse(text: string) {
  const wellFormed = /^<think>[\s\S]*?<\/think>\s*<answer>[\s\S]*?<\/answer>$/.test(text);
  const think = /<think>([\s\S]*?)<\/think>/i.exec(text)?.[1] ?? '';
  const aus = [...new Set(think.toUpperCase().match(/AU\d+/g) ?? [])];
  const answers = [...text.matchAll(/<answer>([\s\S]*?)<\/answer>/g)];
  const answer = (answers.at(-1)?.[1] ?? text).trim();
  return { wellFormed, aus, answer };
}

function measure(run: () => void, minimumMs = 400): number {
  let iterations = 0;
  const start = performance.now();
  while (performance.now() - start < minimumMs) {
    run();
    iterations += 1;
  }
  return iterations / ((performance.now() - start) / 1000);
}

const rows: [string, string, string, string][] = [];
const perSecond = (value: number) =>
  value >= 1000 ? `${(value / 1000).toFixed(1)}k/s` : `${value.toFixed(1)}/s`;
const robust = measure(() => parseCompletion(typical));
const reference = measure(() => parseCompletion(typical, { mode: 'facial-r1' }));
const fast = measure(() => parseReference(typical));
const naive = measure(() => naiveParse(typical));
rows.push([
  'typical (600 chars)',
  `robust ${perSecond(robust)}`,
  `reference ${perSecond(fast)} (mode ${perSecond(reference)})`,
  `naive regex ${perSecond(naive)}`,
]);

const megabyte = 1 << 20;
const adversarial: [string, string][] = [
  ['1 MB of <think>', '<think>'.repeat(megabyte / 7)],
  ['100k "AU"', 'AU'.repeat(100_000)],
  ['1 MB digit run', `<think>AU${'9'.repeat(megabyte)}</think>`],
  ['</think> then spaces', `<think>${'</think>   '.repeat(megabyte / 11)}x`],
];
for (const [name, text] of adversarial) {
  const ours = measure(() => parseCompletion(text), 300);
  const ref = measure(() => parseReference(text), 300);
  const peer = measure(() => naiveParse(text), 300);
  rows.push([
    name,
    `robust ${perSecond(ours)}`,
    `reference ${perSecond(ref)}`,
    `naive regex ${perSecond(peer)}`,
  ]);
}

console.log('| input | ours (robust) | ours (reference) | peer |\n|---|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(
  `\nratio reference fast path / naive regex on typical completions: ${(fast / naive).toFixed(2)}x`,
);
console.log(
  `ratio robust / naive regex on typical completions: ${(robust / naive).toFixed(2)}x (robust does far more work)`,
);
