import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ImageNotFoundError, ImageNotRegularFileError, ImageOutsideRootError } from './errors';

/** Options of {@link resolveImagePath}. */
export interface ResolveImageOptions {
  /**
   * Accept absolute paths and paths that lead (by `..` or a symbolic link) out of every image
   * root. Off by default: an annotation file must not make a tool read, embed in a report or
   * send to a model endpoint a file outside its dataset.
   */
  readonly allowOutsideRoot?: boolean;
}

/** True when `target` is `root` or inside it (both absolute, already normalised). */
export function isInsideRoot(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return (
    relative === '' ||
    (!path.isAbsolute(relative) && relative !== '..' && !relative.startsWith(`..${path.sep}`))
  );
}

/**
 * The absolute path of `image`: the first image root that contains it (an absolute `image`
 * must lie inside one of the roots). The file is checked by its real path, symbolic links
 * resolved: it must stay inside the root it was found in, and be a regular file (a FIFO or a
 * device named `.jpg` would block the reader). Throws {@link ImageOutsideRootError},
 * {@link ImageNotRegularFileError}, or {@link ImageNotFoundError} naming every path tried.
 */
export async function resolveImagePath(
  image: string,
  roots: readonly string[],
  options: ResolveImageOptions = {},
): Promise<string> {
  const allow = options.allowOutsideRoot === true;
  const candidates: { root: string | undefined; file: string }[] = path.isAbsolute(image)
    ? [
        {
          root: roots
            .map((root) => path.resolve(root))
            .find((root) => isInsideRoot(root, path.resolve(image))),
          file: path.resolve(image),
        },
      ]
    : roots.map((root) => ({ root: path.resolve(root), file: path.resolve(root, image) }));
  let escaped: string | undefined;
  const tried: string[] = [];
  for (const { root, file } of candidates) {
    if (!allow && (root === undefined || !isInsideRoot(root, file))) {
      escaped ??= file;
      continue;
    }
    tried.push(file);
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      continue; // try the next root
    }
    if (!allow && root !== undefined) {
      const realRoot = await realpath(root).catch(() => root);
      if (!isInsideRoot(realRoot, real)) throw new ImageOutsideRootError(image, root, real);
    }
    const info = await stat(real);
    if (!info.isFile()) throw new ImageNotRegularFileError(image, file);
    return file;
  }
  if (escaped !== undefined && !tried.length)
    throw new ImageOutsideRootError(
      image,
      roots.map((root) => path.resolve(root)).join(', ') || '(no image roots given)',
      escaped,
    );
  throw new ImageNotFoundError(image, tried);
}
