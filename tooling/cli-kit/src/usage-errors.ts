import { didYouMean, FeaError, suggestClosest } from '@facial-r1/spec';

/** The parts of a commander `Command` the checks read (no dependency on commander itself). */
interface CommandLike {
  name(): string;
  readonly options: readonly { readonly long?: string; readonly short?: string }[];
  readonly commands: readonly CommandLike[];
}

/**
 * An option the command line uses that the command does not define, as commander words it, with
 * the closest defined option; undefined when every option is known. Checked before parsing:
 * commander reports a missing required option first, which hides a misspelt one (`--benchmrk`).
 */
export function findUnknownOption(program: CommandLike, argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  // The command is the first word that is not an option (program options come before it).
  const position = args.findIndex((arg) => !arg.startsWith('-'));
  const command =
    position < 0 ? undefined : program.commands.find((candidate) => candidate.name() === args[position]);
  const options = [...(command ?? program).options, ...program.options];
  const known = [
    ...options
      .flatMap((option) => [option.long, option.short])
      .filter((name): name is string => Boolean(name)),
    '--help',
    '-h',
  ];
  for (const arg of args) {
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue; // values, arguments and short flags: commander decides
    const name = arg.split('=')[0]!;
    if (known.includes(name)) continue;
    const close = suggestClosest(
      name,
      known.filter((item) => item.startsWith('--')),
      { max: 1 },
    );
    return `error: unknown option '${name}'${close.length ? `\n(Did you mean ${close[0]}?)` : ''}`;
  }
  return undefined;
}

/**
 * The message a CLI user sees for an error: the library's own, except where it gives library
 * advice (registering a provider in code) instead of what to type.
 */
export function describeErrorForCli(error: unknown, modelOption = '--model'): string {
  if (FeaError.isInstance(error) && error.code === 'runtime/unknown-model-provider') {
    const { provider, known } = error as FeaError & { provider: string; known: readonly string[] };
    return `unknown model provider "${provider}"${didYouMean(provider, known)}; ${modelOption} takes onnx:<model folder>, openai:<baseURL>[,<baseURL>...]#<model> or baseline`;
  }
  return error instanceof Error ? error.message : String(error);
}
