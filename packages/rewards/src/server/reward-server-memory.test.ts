import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../presets';
import { type StartedServer, startServerBin } from './__fixtures__/start-server-bin';

// The server is started as a user starts it, `fea-rewards serve` with its default limits, so
// the resident memory of the process that serves can be read from /proc (Linux): requests at
// the body limit must neither kill it nor leave it big.
const hasProc = existsSync('/proc/self/status');
if (!hasProc) console.warn('no /proc on this system: the reward-server memory test is skipped');

const LIMIT = 64 * 1024 * 1024; // the default maxBodyBytes
const CAP = 65_536; // the default maxCompletionChars
const BUDGET = 16 * 1024 * 1024; // the default maxTotalChars
const sample = '{"labels":["anger"],"AUs":["AU4"]}';

/** `count` characters of the hostile text: AU mentions packed as tightly as the parsers allow. */
const hostile = (count: number) => 'AU4+12/'.repeat(Math.floor(count / 7)) + 'x'.repeat(count % 7);

/** One completion filling a body of exactly LIMIT bytes. */
function oneHugeCompletion(preset: string): string {
  const head = '{"items":[{"completion":"<think>';
  const tail = `</think><answer>anger</answer>","sample":${sample}}],"preset":"${preset}"}`;
  return head + hostile(LIMIT - head.length - tail.length) + tail;
}

/** Items of `CAP - 100` characters each (under the cap), filling exactly LIMIT bytes. */
function manyCappedCompletions(preset: string): string {
  const head = '{"items":[';
  const tail = `],"preset":"${preset}"}`;
  const item = (size: number) => `{"completion":"<think>${hostile(size)}</think>","sample":${sample}}`;
  const itemLength = item(CAP - 100).length + 1;
  const count = Math.floor((LIMIT - head.length - tail.length) / itemLength);
  const items = Array.from({ length: count }, () => item(CAP - 100)).join(',');
  const rest = LIMIT - head.length - tail.length - items.length;
  return `${head}${items}${' '.repeat(rest)}${tail}`;
}

/** Resident MiB by kind of mapping (Linux smaps): glibc's main heap, other anonymous, files. */
function rssBreakdown(pid: number): string {
  const kinds = { heap: 0, anonymous: 0, files: 0 };
  let mapping = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) mapping = line;
    else if (line.startsWith('Rss:')) {
      const kb = Number(line.split(/\s+/)[1]);
      if (mapping.endsWith('[heap]')) kinds.heap += kb;
      else if (/ 00:00 0\s*(\[[a-z_]+\])?$/.test(mapping)) kinds.anonymous += kb;
      else kinds.files += kb;
    }
  }
  return Object.entries(kinds)
    .map(([kind, kb]) => `${kind} ${(kb / 1024).toFixed(0)}`)
    .join(', ');
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

describe.skipIf(!hasProc)(
  'reward server under requests at its limits (fea-rewards serve, default limits)',
  () => {
    let server: StartedServer;
    let url: string;
    let pid: number;
    beforeAll(async () => {
      server = await startServerBin();
      ({ url, serverPid: pid } = server);
    });
    afterAll(async () => {
      server?.launcher.kill('SIGTERM');
      await server?.exited;
    });

    const post = (body: string) =>
      fetch(`${url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    it('survives a body at the limit with every preset, and memory returns within 2x of idle', async () => {
      await post(`{"items":[{"completion":"<think>AU4</think><answer>anger</answer>","sample":${sample}}]}`);
      const idle = rssBytes(pid);
      const idleBreakdown = rssBreakdown(pid);
      let peak = idle;
      const watch = setInterval(() => {
        peak = Math.max(peak, rssBytes(pid));
      }, 50);
      const statuses: Record<string, number[]> = {};
      try {
        for (const preset of Object.keys(PRESETS)) {
          const bodies = [oneHugeCompletion(preset), '['.repeat(LIMIT), manyCappedCompletions(preset)];
          for (const body of bodies) expect(body.length).toBe(LIMIT);
          statuses[preset] = [];
          for (const body of bodies) {
            const response = await post(body);
            await response.arrayBuffer();
            statuses[preset].push(response.status);
          }
          expect((await fetch(`${url}/health`)).status).toBe(200);
        }
        // The most work one request may ask of a robust preset: exactly the item x length budget.
        const items = Array.from(
          { length: BUDGET / CAP },
          () => `{"completion":"${hostile(CAP)}","sample":${sample}}`,
        );
        const atBudget = await post(`{"items":[${items.join(',')}],"preset":"aligned"}`);
        expect(atBudget.status).toBe(200);
        expect(((await atBudget.json()) as { results: unknown[] }).results).toHaveLength(BUDGET / CAP);
      } finally {
        clearInterval(watch);
      }
      // The reference preset scores both at-limit bodies (it is linear); the robust ones refuse
      // what is over their per-completion cap or per-request budget; nesting is refused by all.
      expect(statuses).toEqual({
        'facial-r1': [200, 400, 200],
        'facial-r1-robust': [413, 400, 413],
        aligned: [413, 400, 413],
      });
      let after = rssBytes(pid);
      for (let waited = 0; after > 2 * idle && waited < 20_000; waited += 250) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        after = rssBytes(pid);
      }
      const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
      console.log(
        `reward server RSS: idle ${mib(idle)} MiB (${idleBreakdown}), peak ${mib(peak)} MiB, after ${mib(after)} MiB (${rssBreakdown(pid)})`,
      );
      expect(after).toBeLessThanOrEqual(2 * idle);
    }, 120_000);
  },
);
