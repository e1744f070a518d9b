import { access } from 'node:fs/promises';
import path from 'node:path';
import { ImageNotFoundError } from './errors';

/**
 * The absolute path of `image`: itself when absolute and present, else the first image root
 * that contains it. Throws {@link ImageNotFoundError} naming every path tried.
 */
export async function resolveImagePath(image: string, roots: readonly string[]): Promise<string> {
  const candidates = path.isAbsolute(image) ? [image] : roots.map((root) => path.resolve(root, image));
  for (const candidate of candidates) {
    try {
      await access(candidate);
      return candidate;
    } catch {
      // try the next root
    }
  }
  throw new ImageNotFoundError(image, candidates);
}
