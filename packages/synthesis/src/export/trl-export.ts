import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@facial-r1/dataset';
import type { SftExample } from './sft-record';

/** One TRL conversational vision record: typed content parts plus an `images` column. */
export interface TrlConversationRecord {
  readonly id: string;
  readonly messages: readonly {
    readonly role: 'user' | 'assistant';
    readonly content: readonly (
      | { readonly type: 'image' }
      | { readonly type: 'text'; readonly text: string }
    )[];
  }[];
  readonly images: readonly string[];
}

/**
 * Converts an SFT example to TRL's conversational format for vision-language SFT
 * (`messages` with `{type: 'image'}` / `{type: 'text'}` parts, images in a separate column).
 */
export function toTrlConversationRecord(example: SftExample): TrlConversationRecord {
  return {
    id: example.id,
    messages: [
      { role: 'user', content: [{ type: 'image' }, { type: 'text', text: example.prompt }] },
      { role: 'assistant', content: [{ type: 'text', text: example.completion }] },
    ],
    images: [example.image],
  };
}

/** Writes a TRL conversational JSONL file atomically; returns its path. */
export async function writeTrlConversationJsonl(
  examples: readonly SftExample[],
  file: string,
): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(
    file,
    examples.map((example) => JSON.stringify(toTrlConversationRecord(example))).join('\n') + '\n',
  );
  return file;
}
