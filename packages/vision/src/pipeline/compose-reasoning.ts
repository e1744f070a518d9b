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
    // Names no single feature (a neutral answer cites no AU), and stays true to what was
    // measured: either every movement stayed under its threshold, or some were measured (even a
    // whole FACS pattern) but the appearance of the whole face outweighed them in the decision.
    think = estimates.some((estimate) => estimate.present)
      ? 'Taken as a whole the face reads as calm and even, and its overall appearance outweighs the few movements measured, so the expression reads as neutral.'
      : 'The face keeps a calm, even expression overall, with every measured movement under its threshold, so the expression reads as neutral.';
  } else {
    const clauses = cited.map((au) => `${byAu.get(au)?.evidence ?? 'a facial movement appears'} (${au})`);
    const first = joinClauses(clauses);
    think = `In this face ${first}. ${
      cited.length === 1 ? 'This movement is' : 'Together these movements are'
    } the FACS pattern of ${emotion}, so the expression reads as ${emotion}.`;
  }
  return `<think>${think}</think>\n<answer>${emotion}</answer>`;
}
