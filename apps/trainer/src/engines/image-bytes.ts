import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

/** An image reference in the form qwen-vl-utils' `fetch_image` reads (verl, EasyR1). */
export async function imageReference(
  imagePath: string,
  embed: boolean,
): Promise<{ image?: string; bytes?: Uint8Array }> {
  return embed
    ? { bytes: new Uint8Array(await readFile(imagePath)) }
    : { image: pathToFileURL(imagePath).href };
}
