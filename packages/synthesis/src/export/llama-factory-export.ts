import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@facial-r1/dataset';
import type { SftExample } from './sft-record';

/** One LLaMA-Factory ShareGPT-style multimodal record (the layout of its `mllm_demo.json`). */
export interface ShareGptRecord {
  readonly messages: readonly { readonly role: 'user' | 'assistant'; readonly content: string }[];
  readonly images: readonly string[];
}

/** Converts an SFT example to LLaMA-Factory's ShareGPT layout: `<image>` marks where the image goes. */
export function toShareGptRecord(example: SftExample): ShareGptRecord {
  return {
    messages: [
      { role: 'user', content: `<image>${example.prompt}` },
      { role: 'assistant', content: example.completion },
    ],
    images: [example.image],
  };
}

/** The `dataset_info.json` entry that registers a ShareGPT file with LLaMA-Factory. */
export function llamaFactoryDatasetInfo(name: string, fileName: string) {
  return {
    [name]: {
      file_name: fileName,
      formatting: 'sharegpt',
      columns: { messages: 'messages', images: 'images' },
      tags: { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant' },
    },
  };
}

/**
 * Writes `<name>.json` and `dataset_info.json` into `directory` (each atomically: temp file +
 * rename), ready for `dataset: <name>` / `dataset_dir: <directory>` in a LLaMA-Factory config.
 */
export async function writeLlamaFactoryDataset(
  examples: readonly SftExample[],
  directory: string,
  options: { readonly name?: string } = {},
): Promise<{ readonly dataFile: string; readonly infoFile: string; readonly name: string }> {
  const name = options.name ?? 'facial_r1_sft';
  await mkdir(directory, { recursive: true });
  const dataFile = path.join(directory, `${name}.json`);
  const infoFile = path.join(directory, 'dataset_info.json');
  await writeAtomic(dataFile, JSON.stringify(examples.map(toShareGptRecord), null, 1));
  await writeAtomic(infoFile, JSON.stringify(llamaFactoryDatasetInfo(name, `${name}.json`), null, 2));
  return { dataFile, infoFile, name };
}

async function writeAtomic(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, `${text}\n`);
}
