import * as ort from 'onnxruntime-node';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeTinyQwenVLModel } from '@facial-r1/tiny-models';
const root = await mkdtemp(path.join(os.tmpdir(), 'fr1-g-'));
await writeTinyQwenVLModel(root, { architecture: 'qwen2-vl', seed: 1, hiddenSize: 64, heads: 4, layers: 4 });
const file = path.join(root, 'onnx', 'decoder_model_merged.onnx');
const configs: Record<string, ort.InferenceSession.SessionOptions> = {
  default: { extra: { session: { intra_op: { allow_spinning: '0' } } } },
  noPrepack: { extra: { session: { intra_op: { allow_spinning: '0' }, disable_prepacking: '1' } } },
  spin: {},
};
const past = Number(process.argv[2] ?? 300);
const seq = Number(process.argv[3] ?? 1);
const b = Number(process.argv[4] ?? 1);
const feeds = (): Record<string, ort.Tensor> => {
  const f: Record<string, ort.Tensor> = {
    inputs_embeds: new ort.Tensor('float32', new Float32Array(b * 64 * seq).fill(0.1), [b, seq, 64]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(b * (past + seq)).fill(1n), [b, past + seq]),
    position_ids: new ort.Tensor('int64', new BigInt64Array(3 * b * seq).fill(BigInt(past)), [3, b, seq]),
  };
  for (let l = 0; l < 4; l++)
    for (const k of ['key', 'value'])
      f[`past_key_values.${l}.${k}`] = new ort.Tensor(
        'float32',
        new Float32Array(b * 4 * past * 16).fill(0.01),
        [b, 4, past, 16],
      );
  return f;
};
const sessions = Object.fromEntries(
  await Promise.all(
    Object.entries(configs).map(async ([k, o]) => [k, await ort.InferenceSession.create(file, o)] as const),
  ),
);
const res: Record<string, number[]> = {};
for (let round = 0; round < 8; round++)
  for (const [k, s] of Object.entries(sessions)) {
    const f = feeds();
    for (let i = 0; i < (seq > 1 ? 1 : 5); i++) await s.run(f);
    const t = performance.now();
    for (let i = 0; i < (seq > 1 ? 4 : 40); i++) await s.run(f);
    (res[k] ??= []).push((performance.now() - t) / (seq > 1 ? 4 : 40));
  }
for (const [k, v] of Object.entries(res))
  console.log(
    k,
    v
      .sort((a, b) => a - b)
      .map((x) => x.toFixed(2))
      .join(' '),
  );
