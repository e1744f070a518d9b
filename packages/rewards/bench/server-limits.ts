// The reward server under hostile load, started as a user starts it (`fea-rewards serve`, its
// default limits): resident memory (RSS, from /proc) of the process that serves, idle, after
// 50,000 refused requests to distinct paths, at the peak of requests at the body limit with
// every preset, and once idle again; the size of /metrics. Each row gives its ratio to idle.
// It runs twice: as the bin serves on glibc Linux (relaunched with MALLOC_MMAP_THRESHOLD_) and
// in the process started (FEA_SERVER_RELAUNCH=0), the peer measured in the same run.
// Run: pnpm --filter @facial-r1/rewards bench:server   (Linux: reads /proc)
import { readFileSync } from 'node:fs';
import { PRESETS } from '../src/index';
import { startServerBin } from '../src/server/__fixtures__/start-server-bin';

const LIMIT = 64 * 1024 * 1024;
const CAP = 65_536;
const BUDGET = 16 * 1024 * 1024;
const TOKEN = 'bench-token';
const sample = '{"labels":["anger"],"AUs":["AU4"]}';
const hostile = (count: number) => 'AU4+12/'.repeat(Math.floor(count / 7)) + 'x'.repeat(count % 7);

type Row = [state: string, bytes: number, notes: string];

async function measure(env: NodeJS.ProcessEnv): Promise<Row[]> {
  const server = await startServerBin(['--token', TOKEN], env);
  const { url, serverPid: pid } = server;
  const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const post = async (body: string) => {
    const response = await fetch(`${url}/score`, { method: 'POST', headers: auth, body });
    await response.arrayBuffer();
    return response.status;
  };
  const metricsBytes = async () => (await (await fetch(`${url}/metrics`, { headers: auth })).text()).length;
  const settle = async () => {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    return rss();
  };

  await post(`{"items":[{"completion":"<think>AU4</think><answer>anger</answer>","sample":${sample}}]}`);
  await metricsBytes();
  const idle = rss();
  const rows: Row[] = [['idle', idle, '']];

  const metricsBefore = await metricsBytes();
  const started = performance.now();
  for (let start = 0; start < 50_000; start += 250) {
    await Promise.all(
      Array.from({ length: 250 }, (_, index) =>
        fetch(`${url}/refused-${start + index}`).then((response) => response.arrayBuffer()),
      ),
    );
  }
  const refusedSeconds = (performance.now() - started) / 1000;
  const metricsAfter = await metricsBytes();
  rows.push([
    '50,000 refused distinct paths',
    await settle(),
    `/metrics ${metricsBefore} -> ${metricsAfter} bytes; ${(50_000 / refusedSeconds).toFixed(0)} req/s`,
  ]);

  let peak = idle;
  const watch = setInterval(() => {
    peak = Math.max(peak, rss());
  }, 50);
  for (const preset of Object.keys(PRESETS)) {
    const head = '{"items":[{"completion":"<think>';
    const tail = `</think><answer>anger</answer>","sample":${sample}}],"preset":"${preset}"}`;
    const statuses = [
      await post(head + hostile(LIMIT - head.length - tail.length) + tail),
      await post('['.repeat(LIMIT)),
    ];
    rows.push([`${preset}: 64 MiB <think> of AU4+12/, 64 Mi of [`, rss(), `status ${statuses.join(', ')}`]);
  }
  const items = Array.from(
    { length: BUDGET / CAP },
    () => `{"completion":"${hostile(CAP)}","sample":${sample}}`,
  );
  const budgetStarted = performance.now();
  const budgetStatus = await post(`{"items":[${items.join(',')}],"preset":"aligned"}`);
  rows.push([
    'aligned: one request at the 16 MiB budget',
    rss(),
    `status ${budgetStatus} in ${((performance.now() - budgetStarted) / 1000).toFixed(1)} s`,
  ]);
  clearInterval(watch);
  rows.push(['peak during the above', peak, '']);
  rows.push(['idle again (3 s later)', await settle(), '']);
  server.launcher.kill('SIGTERM');
  await server.exited;
  return rows;
}

const served = await measure({});
const inProcess = await measure({ FEA_SERVER_RELAUNCH: '0' });
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const ratio = (bytes: number, rows: Row[]) => (bytes / rows[0]![1]).toFixed(2);
console.log('| state | RSS, fea-rewards serve | x idle | RSS, in the process started | x idle | notes |');
console.log('| --- | --- | --- | --- | --- | --- |');
served.forEach(([state, bytes, notes], index) => {
  const peer = inProcess[index]![1];
  console.log(
    `| ${state} | ${mib(bytes)} | ${ratio(bytes, served)} | ${mib(peer)} | ${ratio(peer, inProcess)} | ${notes} |`,
  );
});
