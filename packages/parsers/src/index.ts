export { type CodeMatch, findAuCodes } from './au-codes';
export {
  type AuMention,
  type FormatIssue,
  normalizeAnswer,
  type ParsedCompletion,
  type ParseMode,
  type ParseOptions,
  parseCompletion,
  referenceCompletion,
  type TextSpan,
} from './parse-completion';
export { isReferenceWellFormed, parseReference, type ReferenceParse } from './parse-reference';
export { pythonStrip } from './text-scan';
export {
  buildGrpoPrompt,
  buildRetryPrompt,
  buildSftPrompt,
  buildSynthesisPrompt,
  DEFAULT_QUESTION,
  type GrpoPromptOptions,
  grpoPromptSections,
  PROMPT_VERSION,
  type PromptSections,
  type RetryPromptOptions,
  type SynthesisPromptOptions,
} from './prompts';
