import { exitCodeFor } from '@facial-r1/spec';
import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { PRESETS } from './presets';
import { createRewardServer } from './server/reward-server';
import { relaunchForServing } from './server/serving-process';

const port = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new InvalidArgumentError('expected a port number (0-65535)');
  return parsed;
};

// src/bin.ts and dist/bin.js are both one folder below the package root.
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const program = new Command('fea-rewards')
  .description('Facial-R1 reward server for RL engines (verl, TRL, OpenRLHF, EasyR1).')
  .version(VERSION)
  // Commander's own usage errors (unknown option or command, with its closest match) exit 2.
  .exitOverride();
program
  .command('serve')
  .description('Serve POST /score, POST /openrlhf, GET /health and GET /metrics until SIGINT/SIGTERM')
  .option('--preset <name>', `reward preset (${Object.keys(PRESETS).join(', ')})`, 'facial-r1')
  .option('--host <host>', 'address to bind (keep loopback unless the engine runs elsewhere)', '127.0.0.1')
  .option('--port <port>', 'port', port, 8765)
  .option(
    '--token <token>',
    'require this bearer token (default: $FEA_REWARD_TOKEN; on a non-loopback host one is generated and printed)',
  )
  .option('--lenient', 'unknown sample fields, labels and AU codes become warnings instead of 400s')
  .action(
    async (options: { preset: string; host: string; port: number; token?: string; lenient?: boolean }) => {
      const server = createRewardServer({
        preset: options.preset,
        host: options.host,
        port: options.port,
        token: options.token ?? process.env.FEA_REWARD_TOKEN,
        lenient: options.lenient,
      });
      // On glibc Linux the server runs in a child started with a malloc setting that lets memory
      // go back after large requests (see relaunchForServing); the options are checked first.
      const relaunched = await relaunchForServing();
      if (relaunched !== undefined) {
        process.exitCode = relaunched;
        return;
      }
      // Signals are handled from before listening: a SIGTERM sent the moment the address is
      // printed still finishes in-flight requests and exits 0.
      const listening = server.listen();
      const stop = async (signal: string) => {
        console.log(`fea-rewards: ${signal}, finishing in-flight requests`);
        await listening.catch(() => undefined);
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      const { url } = await listening;
      console.log(
        `fea-rewards: preset ${options.preset} on ${url} (POST /score, POST /openrlhf, GET /health, GET /metrics)`,
      );
      if (server.generatedToken)
        console.log(
          `fea-rewards: ${options.host} is not loopback, so requests need a token; generated: ${server.token} (give it to the bridges as FEA_REWARD_TOKEN, or choose one with --token)`,
        );
    },
  );

program.parseAsync().catch((error: unknown) => {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  console.error(`fea-rewards: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = exitCodeFor(error);
});
