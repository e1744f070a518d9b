import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * An image reference verl reads (verl/utils/dataset/vision_utils.py `process_image`:
 * `{bytes}` is decoded, `{image}` goes to qwen-vl-utils' `fetch_image`). The path is written
 * as a plain absolute path: `fetch_image` opens it as is, while it would strip `file://`
 * without percent-decoding, so a `file://` URL of a path with a space or a non-ASCII letter
 * would name a file that does not exist.
 */
export async function imageReference(
  imagePath: string,
  embed: boolean,
): Promise<{ image?: string; bytes?: Uint8Array }> {
  return embed ? { bytes: new Uint8Array(await readFile(imagePath)) } : { image: path.resolve(imagePath) };
}
