// Opens a model with device=cuda and the default warning handler (console.warn), generates a
// few tokens and exits: a test reads everything this process writes to stderr, native
// onnxruntime logging included, which no in-process test can capture.
import { createOnnxModel } from '../create-onnx-model';

const [directory, workers] = process.argv.slice(2);
const model = await createOnnxModel(directory!, { device: 'cuda', workers: Number(workers) });
const result = await model.doGenerate({
  prompts: [{ messages: [{ role: 'user', content: 'hi' }] }],
  sampling: { maxTokens: 2 },
});
await model.dispose();
console.log(JSON.stringify({ tokens: result.results[0]!.completions[0]!.completionTokens }));
