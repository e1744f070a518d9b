// Samples/s of the synthesis pipeline itself (prompting, verification, crash-safe appends,
// dedupe, manifest) with an instant scripted model, so the model is never the bottleneck.
// The peer is the bare loop (prompt + verify, no I/O) measured in the same run.
// Run: pnpm --filter @facial-r1/synthesis bench
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FeaSample } from '@facial-r1/dataset';
import { completion, ScriptedModel } from '../src/__fixtures__/scripted-model';
import { createVerifier, synthesize, synthesizeSample } from '../src/index';

const count = 5000;
const samples: FeaSample[] = Array.from({ length: count }, (_, index) => ({
  id: `s${index}`,
  dataset: 'bench',
  image: `/images/${index}.jpg`,
  AUs: index % 2 ? ['AU6', 'AU12'] : ['AU1', 'AU4', 'AU15'],
  labels: [index % 2 ? 'happiness' : 'sadness'],
}));
const script = (_prompt: string, call: number, image: string) => {
  const index = Number(/(\d+)\.jpg/.exec(image)![1]);
  const item = samples[index]!;
  return index % 4 === 0 && call === 1
    ? completion(['AU9'], item.labels[0]!)
    : completion(item.AUs, item.labels[0]!, ` in image ${index}`);
};

const directory = await mkdtemp(path.join(os.tmpdir(), 'fea-synthesis-bench-'));
const verify = createVerifier();
let start = performance.now();
for (const item of samples) await synthesizeSample(item, new ScriptedModel(script), verify);
const bare = count / ((performance.now() - start) / 1000);
start = performance.now();
const manifest = await synthesize(samples, new ScriptedModel(script), {
  output: path.join(directory, 'round.jsonl'),
  concurrency: 128,
});
const pipeline = count / ((performance.now() - start) / 1000);
await rm(directory, { recursive: true, force: true });
console.log('| | samples/s |\n|---|---|');
console.log(
  `| pipeline (verify, retry, fsync'd appends, dedupe, manifest), concurrency 128 | ${Math.round(pipeline).toLocaleString('en')} |`,
);
console.log(`| bare attempt loop (no I/O, peer) | ${Math.round(bare).toLocaleString('en')} |`);
console.log(
  `\nratio pipeline / bare loop: ${(pipeline / bare).toFixed(2)}x; accepted ${manifest.counts.accepted} of ${count} (target >= 5,000 samples/s)`,
);
