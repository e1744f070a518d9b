import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { writeJsonlAtomic } from '@facial-r1/dataset';
import { MockModel } from '@facial-r1/spec/test';
import { synthesize } from '@facial-r1/synthesis';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
/** Encodes RGB pixels as a PNG (8-bit truecolour, no filter). */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    raw[y * (width * 3 + 1)] = 0;
    Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

type Expression = {
  brow: number;
  browTilt: number;
  mouth: number;
  open: number;
  eye: number;
  hue: [number, number, number];
};
const EXPRESSIONS: Record<string, Expression> = {
  happiness: { brow: 0, browTilt: 0, mouth: 0.9, open: 0.15, eye: 0.7, hue: [255, 236, 190] },
  sadness: { brow: 0.05, browTilt: -0.5, mouth: -0.7, open: 0, eye: 0.8, hue: [200, 215, 240] },
  surprise: { brow: 0.25, browTilt: 0, mouth: 0, open: 0.9, eye: 1.3, hue: [235, 220, 250] },
  anger: { brow: -0.1, browTilt: 0.7, mouth: -0.3, open: 0, eye: 0.8, hue: [250, 205, 200] },
  fear: { brow: 0.2, browTilt: -0.4, mouth: -0.2, open: 0.5, eye: 1.3, hue: [215, 240, 225] },
  disgust: { brow: -0.05, browTilt: 0.3, mouth: -0.5, open: 0.1, eye: 0.6, hue: [225, 240, 200] },
};

/** A cartoon face (not a photograph) drawn for a label: a synthetic stand-in image. */
export function cartoonFace(label: string, size = 128): Buffer {
  const expression = EXPRESSIONS[label] ?? EXPRESSIONS.happiness!;
  const pixels = new Uint8Array(size * size * 3);
  const skin: [number, number, number] = [246, 205, 170];
  const ink: [number, number, number] = [60, 40, 35];
  for (let y = 0; y < size; y += 1)
    for (let x = 0; x < size; x += 1) {
      const u = (x / size) * 2 - 1;
      const v = (y / size) * 2 - 1;
      let color = expression.hue;
      if ((u / 0.72) ** 2 + (v / 0.86) ** 2 < 1) color = skin;
      for (const side of [-1, 1]) {
        const eyeX = side * 0.3;
        if (((u - eyeX) / 0.11) ** 2 + ((v + 0.15) / (0.07 * expression.eye)) ** 2 < 1) color = ink;
        const outward = (side * (u - eyeX)) / 0.17; // -1 at the inner end, 1 at the outer end
        const browY = -0.38 - expression.brow - expression.browTilt * 0.1 * outward;
        if (Math.abs(u - eyeX) < 0.17 && Math.abs(v - browY) < 0.035) color = ink;
      }
      const mouthY = 0.4 + expression.mouth * 0.14 * (1 - (u / 0.32) ** 2);
      if (Math.abs(u) < 0.32 && Math.abs(v - mouthY) < 0.035 + expression.open * 0.12 * (1 - (u / 0.32) ** 2))
        color = expression.open > 0.3 ? [120, 30, 40] : ink;
      pixels.set(color, (y * size + x) * 3);
    }
  return encodePng(size, size, pixels);
}

/** A sample of the synthetic round and the answers the scripted model gives, attempt by attempt. */
const ROUND = [
  {
    id: 's01',
    dataset: 'rafdb',
    labels: ['happiness'],
    AUs: ['AU6', 'AU12'],
    answers: [
      '<think>The cheeks are lifted high (AU6) and the lip corners are pulled up and back (AU12), a warm combination that signals happiness.</think><answer>happiness</answer>',
    ],
  },
  {
    id: 's02',
    dataset: 'rafdb',
    labels: ['sadness'],
    AUs: ['AU1', 'AU4', 'AU15'],
    answers: [
      '<think>The inner brows rise (AU1) while the brows draw together (AU4) and the lip corners turn up (AU12), which reads as sadness.</think><answer>sadness</answer>',
      '<think>The inner brows rise (AU1), the brows draw together (AU4) and the lip corners are pulled down (AU15), a classic pattern of sadness.</think><answer>sadness</answer>',
    ],
  },
  {
    id: 's03',
    dataset: 'affectnet',
    labels: ['surprise'],
    AUs: ['AU1', 'AU2', 'AU5', 'AU26'],
    answers: [
      '<think>Both inner (AU1) and outer brows are raised (AU2), the upper lids open wide (AU5) and the jaw drops (AU26), so the face shows surprise.</think><answer>surprise</answer>',
    ],
  },
  {
    id: 's04',
    dataset: 'affectnet',
    labels: ['anger'],
    AUs: ['AU4', 'AU7', 'AU23'],
    answers: [
      '<think>The brows are lowered (AU4) and the nose wrinkles (AU9), maybe a sign of disgust in this face.</think><answer>disgust</answer>',
      '<think>The brows are lowered (AU4) and the nose wrinkles (AU9), which points to disgust here.</think><answer>disgust</answer>',
    ],
  },
  {
    id: 's05',
    dataset: 'rafdb',
    labels: ['fear'],
    AUs: ['AU1', 'AU2', 'AU4', 'AU5', 'AU20'],
    answers: [
      '<think>The brows rise (AU1, AU2) yet pull together (AU4), the upper lids widen (AU5) and the lips stretch sideways (AU20), the signature of fear.</think><answer>fear</answer>',
    ],
  },
  {
    id: 's06',
    dataset: 'affectnet',
    labels: ['disgust'],
    AUs: ['AU9', 'AU10'],
    answers: [
      '<think>The nose wrinkles sharply (AU9) and the upper lip is raised (AU10), a clear expression of disgust at something unpleasant.</think><answer>disgust</answer>',
    ],
  },
] as const;

class ScriptedRoundModel extends MockModel {
  constructor() {
    super({
      provider: 'scripted',
      modelId: 'review-fixture',
      respond: ({ image, call }) => {
        const entry = ROUND.find((sample) => image.endsWith(`${sample.id}.png`))!;
        return entry.answers[Math.min(call - 1, entry.answers.length - 1)]!;
      },
    });
  }
}

/**
 * Writes a small synthetic stage-3 round the way `fea-train run` lays it out:
 * `<workDir>/data/samples.jsonl` (absolute image paths, cartoon-face PNGs in `data/images/`) and
 * `<workDir>/stage3/round-1/synthesized.jsonl` (+ outcomes and manifest) made by the real
 * `synthesize` with a scripted model: s02 is accepted at its second attempt, s04 is rejected.
 */
export async function writeSyntheticRound(workDir: string) {
  const images = path.join(workDir, 'data', 'images');
  await mkdir(images, { recursive: true });
  const samples = [];
  for (const entry of ROUND) {
    const image = path.join(images, `${entry.id}.png`);
    await writeFile(image, cartoonFace(entry.labels[0]));
    samples.push({
      id: entry.id,
      dataset: entry.dataset,
      image,
      AUs: [...entry.AUs],
      labels: [...entry.labels],
    });
  }
  const samplesFile = path.join(workDir, 'data', 'samples.jsonl');
  await writeJsonlAtomic(samplesFile, samples);
  const roundDir = path.join(workDir, 'stage3', 'round-1');
  const output = path.join(roundDir, 'synthesized.jsonl');
  const manifest = await synthesize(samples, new ScriptedRoundModel(), {
    output,
    retries: 1,
    concurrency: 1,
    round: 'round-1',
  });
  return { roundDir, output, samplesFile, manifest, samples };
}
