import { ACTION_UNITS, type AuCode, AU_VOCABULARIES, EMOTIONS } from '@facial-r1/facs';

/** Bumped whenever prompt wording changes, so caches keyed on it are invalidated. */
export const PROMPT_VERSION = 'fea-prompt-v1';

/** The default question (FACTS 4). */
export const DEFAULT_QUESTION = 'What is the emotion of this face?';

/** The sections of the GRPO prompt, each replaceable. */
export interface PromptSections {
  readonly question: string;
  readonly requirements: string;
  readonly emotions: string;
  readonly auDefinitions: string;
  readonly example: string;
}

/** Options of {@link buildGrpoPrompt}. */
export interface GrpoPromptOptions {
  /** The question; `<image>` placeholders are removed. Default {@link DEFAULT_QUESTION}. */
  readonly question?: string;
  /** The dataset's emotion list (its label set). Default: the eight canonical emotions. */
  readonly emotions?: readonly string[];
  /** AU ids to define. Default: the prompt's 30 AUs (FACTS 4). */
  readonly auDefinitions?: readonly string[];
  /** A worked example completion; `null` leaves the example out. */
  readonly example?: string | null;
  /** Replace whole sections. */
  readonly sections?: Partial<PromptSections>;
}

const DEFAULT_EXAMPLE =
  '<think>The eyebrows are pulled together and lowered (AU4), the eyelids are tightened (AU7) and the lips are pressed together (AU24). ' +
  'Lowered brows with tightened lids and pressed lips make up the anger expression described by FACS, so the face shows anger.</think>' +
  '<answer>anger</answer>';

function requirements(): string {
  return [
    '1. Reason inside <think> and </think> as one short paragraph.',
    '2. Describe each facial movement you see and put its Action Unit number in parentheses right after it, for example "eyebrows pulled together (AU4)".',
    '3. Then explain how these Action Units point to the emotion.',
    '4. Describe only what is visible; do not use the words "no", "not", "without" or "maybe".',
    '5. Put the final answer inside <answer> and </answer>: a single word from the emotion list.',
  ].join('\n');
}

function auDefinitionList(ids: readonly string[]): string {
  return ids
    .map((id) => {
      const unit = ACTION_UNITS[Number(id.replace(/^AU/i, '')) as AuCode];
      return unit ? `${unit.id}: ${unit.promptName}` : id;
    })
    .join('\n');
}

/** The sections of the GRPO prompt for `options`, before joining. */
export function grpoPromptSections(options: GrpoPromptOptions = {}): PromptSections {
  const question =
    (options.question ?? DEFAULT_QUESTION).replaceAll('<image>', '').trim() || DEFAULT_QUESTION;
  const emotions = options.emotions ?? EMOTIONS;
  return {
    question,
    requirements: requirements(),
    emotions: emotions.join(', '),
    auDefinitions: auDefinitionList(options.auDefinitions ?? AU_VOCABULARIES.prompt),
    example: options.example === null ? '' : (options.example ?? DEFAULT_EXAMPLE),
    ...options.sections,
  };
}

/**
 * The GRPO user prompt (FACTS 4), in our own words: question, requirements, the dataset's
 * emotion list, AU definitions from `@facial-r1/facs`, and one worked example.
 */
export function buildGrpoPrompt(options: GrpoPromptOptions = {}): string {
  const sections = grpoPromptSections(options);
  const parts = [
    `Question: ${sections.question}`,
    `Requirements:\n${sections.requirements}`,
    `Emotion list: ${sections.emotions}`,
    `Action Unit definitions:\n${sections.auDefinitions}`,
  ];
  if (sections.example) parts.push(`Example of the expected format:\n${sections.example}`);
  return parts.join('\n\n');
}

/** The SFT user prompt: the same as the GRPO prompt (FACTS 2, stage 1). */
export function buildSftPrompt(options: GrpoPromptOptions = {}): string {
  return buildGrpoPrompt(options);
}

/** Options of {@link buildSynthesisPrompt}. */
export interface SynthesisPromptOptions extends GrpoPromptOptions {
  /** The sample's labels: the AUs the analysis must cite and the emotion it must reach. */
  readonly groundTruth: { readonly aus: readonly string[]; readonly labels: readonly string[] };
}

/**
 * The ground-truth-hinted prompt of stage-3 synthesis (FACTS 2): the GRPO prompt plus the AUs
 * the reasoning must identify and the emotion the answer must give.
 */
export function buildSynthesisPrompt(options: SynthesisPromptOptions): string {
  const aus = options.groundTruth.aus;
  const label = options.groundTruth.labels[0]?.replace(/<\/?answer>/g, '').trim();
  const hint = [
    'Annotators have labelled this face. Write the analysis they would write:',
    `- it must identify exactly these Action Units: ${aus.length ? aus.join(', ') : '(none are active)'};`,
    label
      ? `- its final answer must be: ${label}.`
      : '- no emotion label is given; answer with the emotion these Action Units support.',
    'Do not mention that you were given these labels.',
  ].join('\n');
  return `${buildGrpoPrompt(options)}\n\n${hint}`;
}

/** Options of {@link buildRetryPrompt}. */
export interface RetryPromptOptions {
  /** The prompt of the first attempt. */
  readonly prompt: string;
  /** The rejected response. */
  readonly previousResponse: string;
  /** What was wrong, one item each (missing/extra AUs, wrong label, tags, negations...). */
  readonly problems: readonly string[];
}

/** The retry-with-feedback prompt: the original prompt, the rejected response and its problems. */
export function buildRetryPrompt(options: RetryPromptOptions): string {
  const problems = options.problems.length
    ? options.problems.map((problem) => `- ${problem}`).join('\n')
    : '- (no details)';
  return `${options.prompt}\n\nYour previous response was:\n${options.previousResponse}\n\nIt was rejected because:\n${problems}\n\nWrite a new response that fixes every problem above.`;
}
