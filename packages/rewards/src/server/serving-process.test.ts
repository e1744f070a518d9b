import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { childPids, startServerBin } from './__fixtures__/start-server-bin';
import { SERVER_MMAP_THRESHOLD, SERVER_SEMI_SPACE_MIB, shouldRelaunchForServing } from './serving-process';

const glibcLinux = { platform: 'linux' as const, env: {}, glibc: '2.36' };

describe('shouldRelaunchForServing', () => {
  it('relaunches on glibc Linux only, never twice, and never over what the user set', () => {
    expect(shouldRelaunchForServing(glibcLinux)).toBe(true);
    expect(shouldRelaunchForServing({ ...glibcLinux, platform: 'darwin' })).toBe(false);
    expect(shouldRelaunchForServing({ ...glibcLinux, platform: 'win32' })).toBe(false);
    expect(shouldRelaunchForServing({ ...glibcLinux, glibc: undefined })).toBe(false); // musl
    for (const env of [
      { FEA_SERVER_RELAUNCHED: '1' },
      { FEA_SERVER_RELAUNCH: '0' },
      { MALLOC_MMAP_THRESHOLD_: '131072' },
      { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536' },
    ])
      expect(shouldRelaunchForServing({ ...glibcLinux, env })).toBe(false);
    expect(
      shouldRelaunchForServing({ ...glibcLinux, env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' } }),
    ).toBe(true);
    expect(shouldRelaunchForServing({ ...glibcLinux, env: { FEA_SERVER_RELAUNCH: '1' } })).toBe(true);
  });
});

const here = shouldRelaunchForServing();
if (!here) console.warn('not glibc Linux: the fea-rewards relaunch tests are skipped');

const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

async function gone(pid: number, withinMs: number): Promise<boolean> {
  for (let waited = 0; waited < withinMs; waited += 100) {
    if (!alive(pid)) return true;
    await sleep(100);
  }
  return !alive(pid);
}

describe.skipIf(!here)('fea-rewards serve on glibc Linux', () => {
  it('serves from a child with the mmap threshold set, and SIGTERM stops both cleanly', async () => {
    const server = await startServerBin();
    expect(server.serverPid).not.toBe(server.launcher.pid);
    const environ = readFileSync(`/proc/${server.serverPid}/environ`, 'utf8').split('\0');
    expect(environ).toContain(`MALLOC_MMAP_THRESHOLD_=${SERVER_MMAP_THRESHOLD}`);
    expect(commandLine(server.serverPid)).toContain(`--max-semi-space-size=${SERVER_SEMI_SPACE_MIB}`);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    server.launcher.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output).toContain('fea-rewards: SIGTERM, finishing in-flight requests');
    expect(await gone(server.serverPid, 5000)).toBe(true);
  }, 60_000);

  it('keeps a semi-space size the user gave in NODE_OPTIONS', async () => {
    const server = await startServerBin([], { NODE_OPTIONS: '--max-semi-space-size=8' });
    expect(server.serverPid).not.toBe(server.launcher.pid);
    expect(commandLine(server.serverPid).some((word) => word.includes('semi-space'))).toBe(false);
    server.launcher.kill('SIGTERM');
    const code = await server.exited;
    expect(code).toBe(0);
  }, 60_000);

  it('SIGTERM the moment the address is printed still finishes cleanly, relaunched or not', async () => {
    for (const env of [{}, { FEA_SERVER_RELAUNCH: '0' }]) {
      for (let round = 0; round < 5; round += 1) {
        const server = await startServerBin([], env);
        server.launcher.kill('SIGTERM');
        expect(await server.exited).toBe(0);
        expect(server.output.at(-1)).toBe('fea-rewards: SIGTERM, finishing in-flight requests');
      }
    }
  }, 120_000);

  it('a launcher killed with SIGKILL does not leave its server behind', async () => {
    const server = await startServerBin();
    server.launcher.kill('SIGKILL');
    await server.exited;
    expect(await gone(server.serverPid, 10_000)).toBe(true);
  }, 60_000);

  it('FEA_SERVER_RELAUNCH=0 serves in the process started; exit codes are the same either way', async () => {
    const inProcess = await startServerBin([], { FEA_SERVER_RELAUNCH: '0' });
    expect(inProcess.serverPid).toBe(inProcess.launcher.pid);
    expect(childPids(inProcess.launcher.pid!)).toEqual([]);
    // A port already taken: the relaunched server's failure is the launcher's exit code.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = String((taken.address() as { port: number }).port);
    const codes: number[] = [];
    for (const env of [{}, { FEA_SERVER_RELAUNCH: '0' }]) {
      const failed = startServerBin(['--port', port], env);
      codes.push(
        await failed.then(
          () => -1,
          (error: Error) => Number(/exited with (\d+)/.exec(error.message)?.[1]),
        ),
      );
    }
    taken.close();
    expect(codes[0]).toBe(codes[1]);
    expect(codes[0]).toBeGreaterThan(0);
    inProcess.launcher.kill('SIGTERM');
    expect(await inProcess.exited).toBe(0);
  }, 60_000);
});
