import type { AuId, Emotion } from '@facial-r1/facs';
import type { ActionUnitEstimate } from './estimate-action-units';

const joinClauses = (clauses: string[]) =>
  clauses.length <= 1
    ? (clauses[0] ?? '')
    : `${clauses.slice(0, -1).join(', ')} and ${clauses[clauses.length - 1]}`;

/**
 * Composes the completion for one face: a `<think>` paragraph that cites exactly `cited` (each
 * with its measured evidence and its AU number in parentheses, as the Facial-R1 prompt asks), and
 * argues to `emotion` through the FACS rules; then `<answer>emotion</answer>`. No negations or
 * hedges ("no", "not", "without", "maybe").
 */
export function composeReasoning(
  emotion: Emotion,
  cited: readonly AuId[],
  estimates: readonly ActionUnitEstimate[],
): string {
  const byAu = new Map(estimates.map((estimate) => [estimate.au, estimate]));
  let think: string;
  if (cited.length === 0) {
    think =
      // Says nothing about single features: the pipeline may have measured an AU that the
      // emotion rule outweighed, and the text must not contradict the measurements.
      'The face keeps a calm, even expression overall; the measured movements stay slight and fall short of a FACS emotion pattern, so the expression reads as neutral.';
  } else {
    const clauses = cited.map((au) => `${byAu.get(au)?.evidence ?? 'a facial movement appears'} (${au})`);
    const first = joinClauses(clauses);
    think = `In this face ${first}. ${
      cited.length === 1 ? 'This movement is' : 'Together these movements are'
    } the FACS pattern of ${emotion}, so the expression reads as ${emotion}.`;
  }
  return `<think>${think}</think>\n<answer>${emotion}</answer>`;
}
