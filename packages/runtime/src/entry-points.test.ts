import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = createRequire(import.meta.url).resolve('tsx');

/**
 * Imports `specifier` in a fresh Node process (from the TypeScript source, as the tests run)
 * and reports which of the heavy native dependencies got loaded.
 */
async function nativeModulesLoadedBy(
  specifier: string,
  { fromSource = true } = {},
): Promise<{ exports: string[]; loaded: string[] }> {
  const script = `
    import { createRequire } from 'node:module';
    const entry = await import(${JSON.stringify(specifier)});
    const cache = Object.keys(createRequire(import.meta.url).cache);
    // Native bindings are loaded through require even from ESM, so they show in its cache.
    const markers = { 'onnxruntime-node': '/onnxruntime-node/', sharp: '/@img/sharp-' };
    const loaded = Object.keys(markers).filter((name) => cache.some((file) => file.includes(markers[name])));
    console.log(JSON.stringify({ exports: Object.keys(entry), loaded }));
  `;
  const { stdout } = await run(
    process.execPath,
    [
      ...(fromSource ? ['--conditions=@facial-r1/source', '--import', tsx] : []),
      '--input-type=module',
      '-e',
      script,
    ],
    { cwd: packageRoot },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('entry points', () => {
  it('the root entry loads neither onnxruntime-node nor sharp (the registry imports the ONNX backend on first use)', async () => {
    const root = await nativeModulesLoadedBy('@facial-r1/runtime');
    expect(root.loaded).toEqual([]);
    expect(root.exports).toEqual(
      expect.arrayContaining(['createModelRegistry', 'onnxProvider', 'imageBytes', 'ModelFileError']),
    );
    expect(root.exports).not.toContain('createOnnxModel');
  });

  it('/openai stays light; /server loads sharp (it reads image headers to refuse bad images with a 400) but never onnxruntime-node', async () => {
    expect((await nativeModulesLoadedBy('@facial-r1/runtime/openai')).loaded).toEqual([]);
    expect((await nativeModulesLoadedBy('@facial-r1/runtime/server')).loaded).toEqual(['sharp']);
  });

  it('/onnx loads onnxruntime-node (so the check above can see it)', async () => {
    const onnx = await nativeModulesLoadedBy('@facial-r1/runtime/onnx');
    expect(onnx.loaded).toContain('onnxruntime-node');
    expect(onnx.exports).toEqual(expect.arrayContaining(['createOnnxModel', 'processQwenImage']));
  });

  const built = existsSync(path.join(packageRoot, 'dist', 'index.js'));
  if (!built) console.log('entry-points: dist/ not built, skipping the built-bundle check (run pnpm build)');
  it.skipIf(!built)(
    'the built bundle keeps the same split (dist/index.js is what users import)',
    async () => {
      const root = await nativeModulesLoadedBy('@facial-r1/runtime', { fromSource: false });
      expect(root.loaded).toEqual([]);
      const onnx = await nativeModulesLoadedBy('@facial-r1/runtime/onnx', { fromSource: false });
      expect(onnx.loaded).toContain('onnxruntime-node');
    },
  );
});
