// How the review studio copes with a 20,000-sample round, next to peers measured in the same run:
// reading the JSONL (the floor of loading) and the bare verifier (the floor of judging).
// Run: pnpm --filter @facial-r1/trainer bench:review
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFeaJsonl } from '@facial-r1/dataset';
import { writeLargeDataset } from './__fixtures__/large-dataset';
import { DecisionLog, decisionsPath } from './decision-log';
import { createBareVerifier, createJudge } from './judge-text';
import { createReviewServer } from './review-server';
import { loadReviewSet } from './review-set';

const COUNT = 20_000;
const directory = await mkdtemp(path.join(os.tmpdir(), 'fea-review-bench-'));
const rows: [string, number, string, number][] = [];
const time = async <T>(work: () => Promise<T> | T): Promise<[T, number]> => {
  const start = performance.now();
  const result = await work();
  return [result, performance.now() - start];
};
try {
  const file = path.join(directory, 'large.jsonl');
  await writeLargeDataset(file, COUNT);
  const [, read] = await time(async () => {
    let count = 0;
    for await (const _ of readFeaJsonl(file)) count += 1;
    return count;
  });
  const [set, load] = await time(() => loadReviewSet(file));
  rows.push(['load 20,000 samples', load, 'read the JSONL', read]);

  const verify = createBareVerifier();
  const [, verifyAll] = await time(() => {
    for (const item of set.items) verify(item.sample.description ?? '', item.sample);
  });
  const log = await DecisionLog.open(decisionsPath(file, 'bench'), 'bench');
  const server = createReviewServer({ set, log, judge: createJudge() });
  const get = async (query: string) =>
    (await server.app.request(`http://127.0.0.1/api/items?${query}`)).json();
  const [, firstPage] = await time(() => get('offset=resume'));
  const [, lastPage] = await time(() => get('offset=19975'));
  const [, coldFilter] = await time(() => get('finding=aus'));
  const [, warmFilter] = await time(() => get('finding=aus&offset=200'));
  rows.push(['first page (25 cards)', firstPage, 'verify all 20,000', verifyAll]);
  rows.push(['last page (25 cards)', lastPage, 'verify all 20,000', verifyAll]);
  rows.push(['filter by finding, cold (judges all)', coldFilter, 'verify all 20,000', verifyAll]);
  rows.push(['filter by finding, warm', warmFilter, 'verify all 20,000', verifyAll]);
  const [, decisions] = await time(async () => {
    for (let index = 0; index < 100; index += 1)
      await server.app.request('http://127.0.0.1/api/decisions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: `b:${index}`, client: 'b', index, decision: 'accept', base: null }),
      });
  });
  rows.push(['one decision (fsync + progress), mean of 100', decisions / 100, 'read the JSONL', read]);
  await log.close();

  console.log(
    `review studio, ${COUNT.toLocaleString('en')} samples (${os.cpus().length} cores, Node ${process.version})`,
  );
  console.log('| operation | ms | peer | peer ms | ratio |');
  console.log('| --- | ---: | --- | ---: | ---: |');
  for (const [name, ms, peer, peerMs] of rows)
    console.log(
      `| ${name} | ${ms.toFixed(1)} | ${peer} | ${peerMs.toFixed(1)} | ${(ms / peerMs).toFixed(2)}x |`,
    );
} finally {
  await rm(directory, { recursive: true, force: true });
}
