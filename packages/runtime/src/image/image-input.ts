import { ImageInputError } from '../errors';
import { readImageFile } from './read-image-file';
import type { ImageInput } from '../model';

/** The MIME type of encoded image bytes, from their magic numbers. */
export function sniffImageType(bytes: Uint8Array): string | null {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png';
  if (bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) return 'image/gif';
  if (
    bytes[0] === 0x52 &&
    bytes[1] === 0x49 &&
    bytes[2] === 0x46 &&
    bytes[3] === 0x46 &&
    bytes[8] === 0x57 &&
    bytes[9] === 0x45
  )
    return 'image/webp';
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) return 'image/bmp';
  return null;
}

/** Reads an image input (path, bytes or a sharp instance) to its encoded bytes. */
export async function imageBytes(image: ImageInput): Promise<Uint8Array> {
  if (typeof image === 'string') {
    try {
      return new Uint8Array(await readImageFile(image));
    } catch (cause) {
      if (ImageInputError.isInstance(cause)) throw cause;
      throw new ImageInputError(
        `cannot read image ${image}: ${(cause as NodeJS.ErrnoException).code ?? cause}`,
        { cause },
      );
    }
  }
  if (image instanceof Uint8Array) return image;
  const buffer = (await image.toBuffer()) as Uint8Array;
  return new Uint8Array(buffer);
}

/** A `data:` URL of an image input, as OpenAI-compatible chat APIs take it. */
export async function imageDataUrl(image: ImageInput): Promise<string> {
  const bytes = await imageBytes(image);
  const type = sniffImageType(bytes);
  if (!type)
    throw new ImageInputError(
      `${typeof image === 'string' ? image : 'the image'} is not a JPEG, PNG, GIF, WebP or BMP image`,
    );
  return `data:${type};base64,${Buffer.from(bytes).toString('base64')}`;
}

/** Decodes a `data:` URL to bytes; null when it is not a base64 data URL. */
export function decodeDataUrl(url: string): Uint8Array | null {
  const match = /^data:[^;,]+;base64,/.exec(url);
  return match ? new Uint8Array(Buffer.from(url.slice(match[0].length), 'base64')) : null;
}
