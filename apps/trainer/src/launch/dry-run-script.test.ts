import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DryRunCommand } from '../run/run-plan';
import { dryRunScript, shellCommand, shellQuote } from './dry-run-script';

const hasBash = (() => {
  try {
    execFileSync('bash', ['--version']);
    return true;
  } catch {
    console.warn('bash not found: quoting is checked without a shell');
    return false;
  }
})();

/** The words bash passes to a program for `line`. */
const wordsSeenByBash = (line: string) =>
  execFileSync('bash', ['-c', `show() { printf '%s\\0' "$@"; }; show ${line}`], { encoding: 'utf8' })
    .split('\0')
    .slice(0, -1);

describe('dry-run shell lines', () => {
  it('quotes only what needs it', () => {
    expect(shellQuote('verl.trainer.main_ppo')).toBe('verl.trainer.main_ppo');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("trainer.logger=['console']")).toBe(String.raw`'trainer.logger=['\''console'\'']'`);
    expect(shellCommand(['python3', '-m', 'x'], { A: 'b c' })).toBe("A='b c' python3 -m x");
  });

  it.skipIf(!hasBash)('bash receives every word exactly (any text, spaces, quotes, non-ASCII)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({
              unit: fc.constantFrom(
                'a',
                'Z',
                '0',
                '-',
                '.',
                '/',
                '=',
                ' ',
                "'",
                '"',
                '$',
                '`',
                '\\',
                '\n',
                'é',
                '*',
                '!',
                '#',
                '~',
                '{',
              ),
            }),
            fc.string({ unit: 'grapheme' }).filter((word) => !word.includes('\0')),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        (words) => {
          expect(wordsSeenByBash(words.map(shellQuote).join(' '))).toEqual(words);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a multi-node GRPO step: token exported first, server on every interface, no stray quotes', () => {
    const dry: DryRunCommand = {
      step: 'stage2/train',
      engine: 'openrlhf',
      stage: 'grpo',
      directory: '/runs/my run/stage2/grpo',
      command: [
        'python3',
        '-m',
        'openrlhf.cli.train_ppo_ray',
        '--remote_rm_url',
        'http://head:8765/openrlhf?token=abc',
      ],
      env: { FEA_REWARD_URL: 'http://head:8765', FEA_REWARD_TOKEN: 'abc' },
      files: [],
      steps: [],
      rewardServer: {
        host: '0.0.0.0',
        port: 8765,
        loopback: false,
        url: 'http://head:8765',
        token: 'abc',
        preset: 'facial-r1',
      },
    };
    const lines = dryRunScript(dry, '/plans/plan one.yaml').split('\n');
    expect(lines.filter((line) => !line.startsWith('#'))).toEqual([
      'export FEA_REWARD_TOKEN=abc',
      "fea-train serve-rewards '/plans/plan one.yaml' --host 0.0.0.0 --port 8765 &",
      "cd '/runs/my run/stage2/grpo'",
      "FEA_REWARD_URL=http://head:8765 python3 -m openrlhf.cli.train_ppo_ray --remote_rm_url 'http://head:8765/openrlhf?token=abc'",
    ]);
  });

  it.skipIf(!hasBash)(
    'Ray start before the cd, the HF export after the engine: pasted into bash, each program gets its words',
    () => {
      const dry: DryRunCommand = {
        step: 'stage2/train',
        engine: 'verl',
        stage: 'grpo',
        directory: '/runs/my run/stage2/grpo',
        command: ['python3', '-m', 'verl.trainer.main_ppo', "trainer.logger=['console']"],
        env: {},
        files: [],
        steps: [
          {
            when: 'before',
            description: 'on node 0 (node0): start the Ray head',
            command: ['ray', 'start', '--head', '--port=6379'],
          },
          {
            when: 'before',
            description: 'on each of the other 1 node(s): join the Ray cluster',
            command: ['ray', 'start', '--address=node0:6379'],
            elsewhere: true,
          },
          {
            when: 'after',
            description: "merge the final FSDP checkpoint into an HF folder (verl's model merger)",
            command: [
              'conda',
              'run',
              'python3',
              '-m',
              'verl.model_merger',
              'merge',
              '--local_dir',
              '/runs/my run/stage2/grpo/checkpoints/global_step_2/actor',
              '--target_dir',
              '/runs/my run/stage2/grpo/hf',
            ],
          },
        ],
        exportDirectory: '/runs/my run/stage2/grpo/hf',
      };
      const script = dryRunScript(dry, '/plans/plan.yaml');
      const lines = script.split('\n');
      const at = (prefix: string) => lines.findIndex((line) => line.startsWith(prefix));
      expect(at('ray start --head')).toBeLessThan(at('cd '));
      expect(at('#   ray start --address=node0:6379')).toBeLessThan(at('cd '));
      expect(at('conda run python3 -m verl.model_merger')).toBeGreaterThan(at('python3 -m verl.trainer'));
      expect(lines.at(-1)).toBe('# the trained model (HF folder): /runs/my run/stage2/grpo/hf');

      const record = mkdtempSync(path.join(os.tmpdir(), 'fea-steps-'));
      try {
        // Recorders for every program; `cd` into a folder that does not exist here is replaced too.
        const stubs = `
n=0
rec() { n=$((n+1)); printf '%s\\0' "$@" > "$RECORD/$n-$1"; }
ray() { rec ray "$@"; }
python3() { rec python3 "$@"; }
conda() { rec conda "$@"; }
cd() { printf '%s' "$1" > "$RECORD/cwd"; }
`;
        execFileSync('bash', ['-c', `${stubs}\n${script}`], { env: { ...process.env, RECORD: record } });
        const words = (name: string) =>
          readFileSync(path.join(record, name), 'utf8').split('\0').slice(0, -1);
        // The join line is a comment: only three programs ran, in this order.
        expect(words('1-ray')).toEqual(['ray', 'start', '--head', '--port=6379']);
        expect(words('2-python3')).toEqual(['python3', ...dry.command.slice(1)]);
        expect(words('3-conda')).toEqual(dry.steps[2]!.command);
        expect(readFileSync(path.join(record, 'cwd'), 'utf8')).toBe('/runs/my run/stage2/grpo');
      } finally {
        rmSync(record, { recursive: true, force: true });
      }
    },
  );
});
