import {
  type ParsedCompletion,
  parseCompletion,
  parseReference,
  type ReferenceParse,
} from '@facial-r1/parsers';

/**
 * A completion with its parses computed on first use and shared by every term of a preset,
 * so scoring with N terms parses once, and the reference preset never runs the robust parser.
 */
export class ParsedView {
  private referenceParse: ReferenceParse | undefined;
  private robustParse: ParsedCompletion | undefined;

  constructor(readonly completion: string) {}

  get reference(): ReferenceParse {
    this.referenceParse ??= parseReference(this.completion);
    return this.referenceParse;
  }

  get robust(): ParsedCompletion {
    this.robustParse ??= parseCompletion(this.completion, { mode: 'robust' });
    return this.robustParse;
  }
}
