import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { bridgePath } from './bridge-path';

const run = promisify(execFile);
const hasPython = await run('python3', ['--version']).then(
  () => true,
  () => {
    console.warn('python3 not found: the bridge retry tests are skipped');
    return false;
  },
);

/** A server that answers each POST with the next status of `statuses` (then 200). */
async function scriptedServer(statuses: number[]) {
  let requests = 0;
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const status = statuses[requests] ?? 200;
      requests += 1;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(
        status === 200
          ? JSON.stringify({ results: [{ total: 2, terms: { au: 1, format: 1 }, reasons: {} }] })
          : JSON.stringify({ error: { code: `status_${status}`, message: 'scripted' } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests: () => requests };
}

const callBridge = (url: string) =>
  run(
    'python3',
    [
      '-c',
      `import importlib.util, json
spec = importlib.util.spec_from_file_location("bridge", ${JSON.stringify(bridgePath('verl'))})
bridge = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bridge)
print(json.dumps(bridge.compute_score(data_source="d", solution_str="s", ground_truth="happiness")))`,
    ],
    { env: { ...process.env, FEA_REWARD_URL: url, FEA_REWARD_TIMEOUT: '5' } },
  ).then(
    ({ stdout }) => ({ ok: true as const, value: JSON.parse(stdout) }),
    (error: { stderr: string }) => ({ ok: false as const, stderr: error.stderr }),
  );

describe.skipIf(!hasPython)('bridge retries (python3 against a scripted server)', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('retries 503 and 502 (the server restarting) and then scores', async () => {
    const scripted = await scriptedServer([503, 502]);
    server = scripted.server;
    const result = await callBridge(scripted.url);
    expect(result).toEqual({ ok: true, value: { au: 1, format: 1, score: 2 } });
    expect(scripted.requests()).toBe(3);
  });

  it.each([400, 401, 413, 500])('fails at once on %i, with the server message', async (status) => {
    const scripted = await scriptedServer([status]);
    server = scripted.server;
    const result = await callBridge(scripted.url);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.stderr).toMatch(
      new RegExp(`reward server at http://127\\.0\\.0\\.1:\\d+/score answered ${status}: .*status_${status}`),
    );
    expect(scripted.requests()).toBe(1);
  });
});
