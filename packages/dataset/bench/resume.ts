// Resume cost of the JSONL appender: opening an existing run file of N records (what every
// `fea-eval run` and synthesis resume pays), against the previous quadratic scan (it recomputed
// the byte offset of the decoded prefix for each line), measured in this run on the same files.
// The quadratic peer is only run up to --peer-max records (default 10000) so the bench stays short.
// Run: pnpm --filter @facial-r1/dataset bench
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createJsonlAppender } from '../src/index';

const sizes = [5_000, 10_000, 20_000, 40_000];
const peerMax = Number(process.argv.find((arg) => arg.startsWith('--peer-max='))?.slice(11) ?? 10_000);

function record(index: number) {
  return {
    id: `sample-${index}`,
    completion: `<think>The brows are lowered (AU4) and the lids tightened (AU7) – é ü ${index}</think><answer>anger</answer>`,
    finishReason: 'stop',
    tokens: 42,
  };
}

// The previous implementation's scan, kept here only as the peer.
function quadraticScan(existing: string): number {
  let validBytes = 0;
  let offset = 0;
  let count = 0;
  while (offset < existing.length) {
    const newline = existing.indexOf('\n', offset);
    const line = existing.slice(offset, newline < 0 ? existing.length : newline);
    if (newline < 0) break;
    if (line.trim() !== '') {
      JSON.parse(line);
      count += 1;
    }
    offset = newline + 1;
    validBytes = Buffer.byteLength(existing.slice(0, offset));
  }
  return count + validBytes * 0;
}

const directory = await mkdtemp(path.join(os.tmpdir(), 'fea-resume-bench-'));
const rows: string[][] = [];
try {
  for (const size of sizes) {
    const file = path.join(directory, `run-${size}.jsonl`);
    await writeFile(
      file,
      Array.from({ length: size }, (_, index) => `${JSON.stringify(record(index))}\n`).join(''),
    );
    let start = performance.now();
    const appender = await createJsonlAppender<{ id: string }>(file, { key: (item) => item.id });
    const ours = performance.now() - start;
    if (appender.size !== size) throw new Error(`resumed ${appender.size} of ${size}`);
    await appender.close();
    let peer: number | undefined;
    if (size <= peerMax) {
      const text = await readFile(file, 'utf8');
      start = performance.now();
      quadraticScan(text);
      peer = performance.now() - start;
    }
    rows.push([
      String(size),
      `${ours.toFixed(0)} ms`,
      peer === undefined ? `(skipped > ${peerMax})` : `${peer.toFixed(0)} ms`,
      peer === undefined ? '' : `${(peer / ours).toFixed(1)}x`,
    ]);
  }
} finally {
  await rm(directory, { recursive: true, force: true });
}
const header = ['records', 'open + resume (ours)', 'previous quadratic scan', 'ratio'];
const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]!.length)));
const format = (row: string[]) =>
  `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
console.log(format(header));
console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
for (const row of rows) console.log(format(row));
