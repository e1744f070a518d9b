import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** File extensions `fea-eval analyze` picks up inside a folder (what sharp decodes). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif', '.tif', '.tiff'] as const;

/**
 * Expands the paths given to `fea-eval analyze`: a folder becomes every image file under it
 * (recursively, by extension, sorted by path), a file stays as given (even with another extension,
 * so that the analyzer reports why it cannot be read). A path that does not exist is kept too: the
 * analyzer names it in its error.
 */
export async function expandImagePaths(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const walk = async (folder: string): Promise<string[]> => {
    const entries = await readdir(folder, { withFileTypes: true });
    const found: string[] = [];
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) found.push(...(await walk(full)));
      else if (
        entry.isFile() &&
        (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(entry.name).toLowerCase())
      )
        found.push(full);
    }
    return found;
  };
  for (const input of inputs) {
    const info = await stat(input).catch(() => null);
    if (info?.isDirectory())
      files.push(...(await walk(input)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
    else files.push(input);
  }
  return files;
}
