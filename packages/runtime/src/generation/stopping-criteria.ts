import type { Completion } from '../model';

/**
 * Why and where a sequence ends: its finish reason and, when the text is cut short (a stop
 * string is not part of the completion), the offset it ends at.
 */
export interface StopVerdict {
  readonly finishReason: 'stop' | 'length';
  /** The completion's text ends here; undefined keeps all of it. */
  readonly textEnd?: number;
}

/** What the text criteria see of one sequence after its newest token joined it. */
export interface GeneratedText {
  /** The text decoded so far. */
  readonly text: string;
  /** The length of `text` before the newest token was added. */
  readonly previousLength: number;
  /** The number of tokens generated so far, the newest included. */
  readonly tokenCount: number;
}

/**
 * One reason to stop generating, asked by the generation loop at three moments (in the spirit of
 * transformers.js's `generation/stopping_criteria`, made per sequence because a stop string cuts
 * the text and the stream). A criterion implements the moments it cares about.
 */
export interface StoppingCriterion {
  /** Before each decode step of the whole batch: throws to end the generation (an abort). */
  beforeStep?(): void;
  /** On a sampled token, before it joins the text: a verdict ends the sequence without it. */
  onToken?(token: number): StopVerdict | undefined;
  /** After the newest token joined the text: a verdict ends the sequence there. */
  onText?(sequence: GeneratedText): StopVerdict | undefined;
}

/** Ends a sequence once it holds `maxTokens` generated tokens (finish reason `length`). */
export class MaxTokensCriterion implements StoppingCriterion {
  constructor(readonly maxTokens: number) {}

  onText(sequence: GeneratedText): StopVerdict | undefined {
    return sequence.tokenCount >= this.maxTokens ? { finishReason: 'length' } : undefined;
  }
}

/** Ends a sequence on an end-of-sequence (or any listed stop) token id, which stays out of the text. */
export class EosTokenCriterion implements StoppingCriterion {
  readonly ids: ReadonlySet<number>;

  constructor(ids: Iterable<number>) {
    this.ids = new Set(ids);
  }

  onToken(token: number): StopVerdict | undefined {
    return this.ids.has(token) ? { finishReason: 'stop' } : undefined;
  }
}

/**
 * Ends a sequence at the first occurrence of any stop string; the text ends before it. Only a
 * stop string that ends in the newest text can be new, so each check reads the tail that could
 * hold one, not the whole text.
 */
export class StopStringCriterion implements StoppingCriterion {
  readonly #longest: number;

  constructor(readonly stops: readonly string[]) {
    this.#longest = Math.max(0, ...stops.map((stop) => stop.length));
  }

  onText({ text, previousLength }: GeneratedText): StopVerdict | undefined {
    if (text.length <= previousLength) return undefined;
    const from = Math.max(0, previousLength - this.#longest + 1);
    let stopAt = -1;
    for (const stop of this.stops) {
      const at = text.indexOf(stop, from);
      if (at >= 0 && (stopAt < 0 || at < stopAt)) stopAt = at;
    }
    return stopAt >= 0 ? { finishReason: 'stop', textEnd: stopAt } : undefined;
  }
}

/** Ends the whole generation with the signal's reason once it is aborted. */
export class AbortSignalCriterion implements StoppingCriterion {
  constructor(readonly signal: AbortSignal) {}

  beforeStep(): void {
    this.signal.throwIfAborted();
  }
}

/** The decoder of one sequence, as {@link StoppingCriteria.advance} drives it (an `IncrementalDecoder`). */
export interface SequenceDecoder {
  readonly tokens: readonly number[];
  readonly text: string;
  /** Adds a token; returns the text it completes. */
  push(token: number): string;
  /** The whole decode, an incomplete last character included. */
  finalText(): string;
}

/** What one token did to a sequence: the text to stream, and the completion when it ended. */
export interface SequenceStep {
  /** New text for the stream ('' when none). */
  readonly delta: string;
  /** Set when the sequence ended with this token. */
  readonly completion?: Completion;
}

/**
 * The stopping criteria of one generation, asked in order (the first verdict wins), and the one
 * place that turns a verdict into a completion and a stream delta.
 */
export class StoppingCriteria {
  constructor(readonly criteria: readonly StoppingCriterion[]) {}

  /** Throws when a criterion ends the whole generation (an aborted signal). */
  beforeStep(): void {
    for (const criterion of this.criteria) criterion.beforeStep?.();
  }

  /**
   * Feeds a sampled token to a sequence's decoder unless a token criterion ends the sequence
   * first, then asks the text criteria. The delta is the new text the completion keeps.
   */
  advance(decoder: SequenceDecoder, token: number): SequenceStep {
    for (const criterion of this.criteria) {
      const verdict = criterion.onToken?.(token);
      if (verdict) {
        return {
          delta: '',
          completion: {
            text: decoder.text.slice(0, verdict.textEnd),
            finishReason: verdict.finishReason,
            // The stop token was generated, though it is not in the text.
            completionTokens: decoder.tokens.length + 1,
          },
        };
      }
    }
    const previousLength = decoder.text.length;
    const delta = decoder.push(token);
    const sequence: GeneratedText = {
      text: decoder.text,
      previousLength,
      tokenCount: decoder.tokens.length,
    };
    for (const criterion of this.criteria) {
      const verdict = criterion.onText?.(sequence);
      if (!verdict) continue;
      const end = verdict.textEnd;
      return {
        delta: end === undefined ? delta : sequence.text.slice(previousLength, Math.max(previousLength, end)),
        completion: {
          text: end === undefined ? decoder.finalText() : sequence.text.slice(0, end),
          finishReason: verdict.finishReason,
          completionTokens: decoder.tokens.length,
        },
      };
    }
    return { delta };
  }
}

/** What {@link createStoppingCriteria} builds from. */
export interface StoppingOptions {
  /** Token ids that end a sequence (the model's EOS ids plus `stopTokenIds`). */
  readonly stopTokenIds: Iterable<number>;
  /** Strings that end a sequence before them. */
  readonly stop?: readonly string[];
  /** Generated tokens at most. */
  readonly maxTokens: number;
  /** Ends the generation when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * The criteria of a generation, in the order their verdicts win: abort, stop token ids, stop
 * strings, max tokens (a stop string found by the last allowed token still finishes as `stop`).
 */
export function createStoppingCriteria(options: StoppingOptions): StoppingCriteria {
  return new StoppingCriteria([
    ...(options.signal ? [new AbortSignalCriterion(options.signal)] : []),
    new EosTokenCriterion(options.stopTokenIds),
    ...(options.stop?.length ? [new StopStringCriterion(options.stop)] : []),
    new MaxTokensCriterion(options.maxTokens),
  ]);
}
