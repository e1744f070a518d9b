import { execFileSync } from 'node:child_process';
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
});
