import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { ImageInputError } from '../openai/errors';

/**
 * Reads an image file whole, refusing what is not a regular file: it is opened non-blocking and
 * checked with fstat before any read, so a FIFO or device named `.jpg` fails at once instead of
 * hanging the reader.
 */
export async function readImageFile(file: string): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile())
      throw new ImageInputError(
        `image ${file} is not a regular file (a FIFO, device or folder); pass an image file or its bytes.`,
      );
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * True when the bytes are SVG or other XML (text starting with `<` after an optional BOM and
 * whitespace). Images are decoded from bytes, never from a path, and SVG is refused: an SVG may
 * reference other files (`<image href="secret.png">`) that a renderer would read.
 */
export function isSvgOrXml(bytes: Uint8Array): boolean {
  let index = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (
    index < bytes.length &&
    index < 4096 &&
    (bytes[index] === 0x20 || bytes[index] === 0x09 || bytes[index] === 0x0a || bytes[index] === 0x0d)
  )
    index += 1;
  return bytes[index] === 0x3c; // '<'
}
