// Scores 100k predictions with every metric and prints the time of each, with ROUGE-L
// pairs/s against a naive peer (a 2-D LCS table over string tokens, as rouge_score builds it),
// measured in the same run. Run: pnpm --filter @facial-r1/benchmarks bench
import { assess } from '@facial-r1/assessment';
import {
  auMetricsFromComparisons,
  bootstrapMean,
  corpusBleu,
  emotionMetrics,
  extractEmotion,
  feaRates,
  rougeL,
  rougeTokenize,
} from '../src/index';

const emotions = ['anger', 'disgust', 'fear', 'happiness', 'neutral', 'sadness', 'surprise'];
const words =
  'the inner brows are raised and drawn together while lip corners pull down cheeks lift eyes widen jaw drops lips press nose wrinkles'.split(
    ' ',
  );
let state = 7;
const random = () => {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state / 2147483648;
};
const sentence = (length: number) =>
  Array.from({ length }, () => words[Math.floor(random() * words.length)]).join(' ');
const count = 100_000;
const gold = Array.from({ length: count }, () => emotions[Math.floor(random() * emotions.length)]!);
const goldAus = Array.from({ length: count }, () =>
  ['AU1', 'AU4', 'AU6', 'AU12'].filter(() => random() < 0.4),
);
const outputs = Array.from(
  { length: count },
  (_, index) =>
    `<think>${sentence(50)} (AU${[1, 4, 6, 12][index % 4]}) and (AU${[2, 9, 15][index % 3]}).</think><answer>${random() < 0.7 ? gold[index] : emotions[index % 7]}</answer>`,
);
const references = Array.from(
  { length: count },
  () => `<think>${sentence(60)}</think><answer>happiness</answer>`,
);

const timings: [string, number][] = [];
const time = <T>(name: string, run: () => T): T => {
  const start = performance.now();
  const result = run();
  timings.push([name, performance.now() - start]);
  return result;
};

const assessments = time('parse and assess outputs (robust)', () =>
  outputs.map((output, index) => {
    const assessment = assess(output, { labels: [gold[index]!], AUs: goldAus[index] });
    // Every section, as evaluate reads them.
    void [assessment.aus, assessment.answer, assessment.format, assessment.consistency];
    void [assessment.grounding, assessment.negation, assessment.hedging];
    return assessment;
  }),
);
const predicted = time('extract answers', () =>
  outputs.map((output, index) => extractEmotion(output, emotions, 'normalized', assessments[index]!.parse)),
);
time('emotion metrics', () => emotionMetrics(gold, predicted, emotions));
time('AU metrics', () => auMetricsFromComparisons(assessments.map((assessment) => assessment.aus)));
time('FEA rates', () => feaRates(assessments));
const correct = predicted.map((label, index) => (label === gold[index] ? 1 : 0));
time('bootstrap accuracy (1000 resamples)', () => bootstrapMean(correct));
const nonText = timings.reduce((sum, [, ms]) => sum + ms, 0);
const rouge = time('ROUGE-L (100k pairs, stemmed)', () =>
  outputs.map((output, index) => rougeL(output, references[index]!)),
);
time('corpus BLEU-4 (100k pairs)', () => corpusBleu(outputs, references));

function naiveRougeL(prediction: string, reference: string): number {
  const a = rougeTokenize(reference);
  const b = rougeTokenize(prediction);
  if (!a.length || !b.length) return 0;
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i += 1)
    for (let j = 1; j <= b.length; j += 1)
      table[i]![j] =
        a[i - 1] === b[j - 1] ? table[i - 1]![j - 1]! + 1 : Math.max(table[i - 1]![j]!, table[i]![j - 1]!);
  const lcs = table[a.length]![b.length]!;
  const precision = lcs / b.length;
  const recall = lcs / a.length;
  return precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
}
const peerCount = 20_000;
const peerStart = performance.now();
for (let index = 0; index < peerCount; index += 1) naiveRougeL(outputs[index]!, references[index]!);
const peerRate = peerCount / ((performance.now() - peerStart) / 1000);
const ourRate = count / (timings.find(([name]) => name.startsWith('ROUGE-L'))![1] / 1000);

console.log('| step (100k predictions) | ms |\n|---|---|');
for (const [name, ms] of timings) console.log(`| ${name} | ${ms.toFixed(0)} |`);
const parseMs = timings.find(([name]) => name.startsWith('parse'))![1];
console.log(
  `\neverything but ROUGE/BLEU: ${(nonText / 1000).toFixed(2)} s (target < 2 s); of which parsing and assessing (@facial-r1/assessment) ${(parseMs / 1000).toFixed(2)} s, metrics alone ${((nonText - parseMs) / 1000).toFixed(2)} s`,
);
console.log(
  `ROUGE-L: ${Math.round(ourRate).toLocaleString('en')} pairs/s (target >= 50k); naive peer ${Math.round(peerRate).toLocaleString('en')} pairs/s; ratio ${(ourRate / peerRate).toFixed(2)}x`,
);
console.log(`mean ROUGE-L ${(rouge.reduce((sum, value) => sum + value, 0) / count).toFixed(4)}`);
