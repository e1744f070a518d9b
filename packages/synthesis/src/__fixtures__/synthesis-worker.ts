// Child process for the crash test: synthesizes fixture samples with a deterministic scripted
// model that takes a little time per sample; the test SIGKILLs it mid-run and reruns it.
import type { FeaSample } from '@facial-r1/dataset';
import { synthesize } from '../synthesize/synthesize';
import { completion, ScriptedModel } from './scripted-model';

const [output, countText] = process.argv.slice(2);
const samples: FeaSample[] = Array.from({ length: Number(countText) }, (_, index) => ({
  id: `sample-${String(index).padStart(4, '0')}`,
  dataset: 'fixture',
  image: `/images/${index}.jpg`,
  AUs: index % 2 ? ['AU6', 'AU12'] : ['AU1', 'AU4', 'AU15'],
  labels: [index % 2 ? 'happiness' : 'sadness'],
}));
const model = new ScriptedModel((_prompt, call, image) => {
  const index = Number(/(\d+)\.jpg/.exec(image)![1]);
  const sample = samples[index]!;
  // Every third sample needs one retry; each answer names the sample so reasoning is distinct.
  if (index % 3 === 0 && call === 1) return completion(['AU9'], sample.labels[0]!);
  return completion(sample.AUs, sample.labels[0]!, ` in picture number ${index}`);
});
const slow = {
  ...model,
  doGenerate: async (request: Parameters<typeof model.doGenerate>[0]) => {
    await new Promise((resolve) => setTimeout(resolve, 2));
    return model.doGenerate(request);
  },
};
await synthesize(samples, slow as ScriptedModel, { output: output!, concurrency: 2 });
process.stdout.write('done\n');
