// Calls/s of scoreEmotionsFromAus and bestSupportedEmotion against a naive peer (the same
// scoring rule over string Sets and arrays, src/naive-score-emotions.ts), measured in the same
// run on the same inputs. Two workloads: "repeated" - 256 distinct AU sets of 0-6 AUs, the
// reward case where a group's completions cite the same few sets (cache hits); "distinct" -
// every 3- to 6-AU subset of 20 rule AUs (60,249 sets), visited in turn: far more than the
// 4,096-entry cache holds, so every call scores afresh (the worst case).
// Run: pnpm --filter @facial-r1/facs bench
import { bestSupportedEmotion, scoreEmotionsFromAus } from '../src/index';
import { naiveScoreEmotionsFromAus } from '../src/naive-score-emotions';

let state = 11;
const random = () => {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state / 2147483648;
};
const codes = [1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 20, 23, 24, 25, 26, 27, 43, 45];
const randomSet = (size: number) => {
  const set = new Set<string>();
  while (set.size < size) set.add(`AU${codes[Math.floor(random() * codes.length)]}`);
  return [...set];
};
const repeated = Array.from({ length: 256 }, () => randomSet(Math.floor(random() * 7)));
const ruleCodes = [1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 20, 23, 24, 25, 26, 27];
// Every 3- to 6-AU subset of 20 rule AUs (60,249 sets), each with a different rule-AU mask.
const distinct: string[][] = [];
const choose = (from: number, chosen: number[]) => {
  if (chosen.length >= 3) distinct.push(chosen.map((code) => `AU${code}`));
  if (chosen.length === 6) return;
  for (let index = from; index < ruleCodes.length; index += 1)
    choose(index + 1, [...chosen, ruleCodes[index]!]);
};
choose(0, []);

let sink = 0;
function callsPerSecond(
  inputs: readonly string[][],
  run: (aus: string[]) => unknown,
  minimumMs = 400,
): number {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let index = 0; index < inputs.length; index += 1) {
      if (run(inputs[index]!) !== null) sink += 1;
    }
    calls += inputs.length;
    elapsed = performance.now() - start;
  } while (elapsed < minimumMs);
  return (calls / elapsed) * 1000;
}

const candidates: [string, (aus: string[]) => unknown][] = [
  ['scoreEmotionsFromAus', scoreEmotionsFromAus],
  ['bestSupportedEmotion', bestSupportedEmotion],
  ['naive peer', naiveScoreEmotionsFromAus],
];
// Warm-up so that every function is optimised before timing.
for (const [, run] of candidates) callsPerSecond(repeated, run, 150);

const rows: string[][] = [];
for (const [workload, inputs] of [
  ['repeated (256 sets)', repeated],
  ['distinct (60k sets)', distinct],
] as const) {
  const naive = callsPerSecond(inputs, naiveScoreEmotionsFromAus);
  for (const [name, run] of candidates) {
    const rate = name === 'naive peer' ? naive : callsPerSecond(inputs, run);
    rows.push([workload, name, Math.round(rate).toLocaleString('en-US'), `${(rate / naive).toFixed(1)}x`]);
  }
}
const header = ['workload', 'function', 'calls/s', 'vs naive'];
const widths = header.map((title, column) =>
  Math.max(title.length, ...rows.map((row) => row[column]!.length)),
);
const line = (cells: string[]) =>
  `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
console.log(`(node ${process.version}; ${sink > 0 ? 'results consumed' : ''})`);
