import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The root folder of an installed package whose `exports` hide `package.json`. */
function packageRoot(name: string): string {
  let directory = dirname(require.resolve(name));
  while (directory !== dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === name) return directory;
    directory = dirname(directory);
  }
  throw new Error(`Cannot locate the installed package ${name}`);
}

/** Folder of the TFJS graph models shipped by `@vladmandic/human` (MIT). */
export function humanModelsDirectory(): string {
  return join(packageRoot('@vladmandic/human'), 'models');
}

/** Folder of the weights shipped by `@vladmandic/face-api` (MIT), e.g. `face_expression_model-weights_manifest.json`. */
export function faceApiModelsDirectory(): string {
  return join(packageRoot('@vladmandic/face-api'), 'model');
}

/** The six demo photos shipped by `@vladmandic/face-api` (MIT), absolute paths. */
export function demoPhotoPaths(): string[] {
  const demo = join(packageRoot('@vladmandic/face-api'), 'demo');
  return [1, 2, 3, 4, 5, 6].map((index) => join(demo, `sample${index}.jpg`));
}
