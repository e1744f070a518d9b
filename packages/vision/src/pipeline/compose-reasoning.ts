import type { AuId } from '@facial-r1/facs';
import type { EmotionEstimate } from './combine-emotions';
import type { ActionUnitEstimate } from './estimate-action-units';

const joinClauses = (clauses: string[]) =>
  clauses.length <= 1
    ? (clauses[0] ?? '')
    : `${clauses.slice(0, -1).join(', ')} and ${clauses[clauses.length - 1]}`;

const percent = (value: number) => `${Math.round(value * 100)}%`;

/**
 * Composes the completion for one face: a `<think>` paragraph that cites exactly the AUs reported
 * present (`present`, each with its evidence and its number in parentheses, as the Facial-R1
 * prompt asks), argues from those that the FACS rules match for the label to the label, and says
 * plainly when the appearance models carried the decision beyond the measured AUs; then
 * `<answer>label</answer>`. AUs the label's pattern expects but that were measured absent are
 * referred to only as a group, never by number or by a phrase a parser would read as an AU, so
 * the AU set of the `<think>` equals `present`. No negations or hedges.
 */
export function composeReasoning(
  emotion: EmotionEstimate,
  present: readonly AuId[],
  estimates: readonly ActionUnitEstimate[],
  options: {
    /** FaceMesh fitted the face only loosely (a whole-frame crop it doubts): movements go unmeasured. */
    landmarksLoose?: boolean;
  } = {},
): string {
  const byAu = new Map(estimates.map((estimate) => [estimate.au, estimate]));
  const cite = (aus: readonly AuId[]) =>
    joinClauses(aus.map((au) => `${byAu.get(au)?.evidence ?? 'a facial movement shows'} (${au})`));
  const { label } = emotion;
  const confidence = percent(emotion.probabilities[label]);
  const sentences: string[] = [];
  if (options.landmarksLoose && present.length === 0)
    return `<think>The face landmarks fit this crop only loosely, so its movements stay unmeasured; the appearance models, reading the whole face, put ${label} first (${confidence}), so the decision rests on appearance beyond the measured movements and the expression reads as ${label}.</think>\n<answer>${label}</answer>`;
  if (present.length === 0)
    sentences.push(
      'Every measured facial movement stays under its threshold, so the face holds an even, resting look.',
    );
  else sentences.push(`In this face ${cite(present)}.`);

  if (label === 'neutral') {
    if (present.length === 0)
      sentences.push(
        `The appearance models agree on a calm face (${confidence}), so the expression reads as neutral.`,
      );
    else
      sentences.push(
        `The appearance models, reading the whole face, weigh its calm overall look more heavily than ${present.length === 1 ? 'this movement' : 'these movements'} (${confidence} neutral), so the decision rests on appearance beyond the measured movements and the expression reads as neutral.`,
      );
  } else if (emotion.supportingAus.length > 0) {
    const own = emotion.supportingAus;
    const lead =
      own.length === 1
        ? `This movement (${own[0]}) belongs to the FACS pattern of ${label}`
        : `Together these movements (${own.join(', ')}) form part of the FACS pattern of ${label}`;
    if (emotion.expectedAus.length === 0)
      sentences.push(
        `${lead.replace('form part of', 'form')}, and the appearance models concur (${confidence}), so the expression reads as ${label}.`,
      );
    else
      sentences.push(
        `${lead}; the rest of that pattern stays under the measuring thresholds, so the appearance models' confidence in ${label} (${confidence}) carries the decision: it rests on appearance beyond the measured movements, and the expression reads as ${label}.`,
      );
  } else {
    sentences.push(
      `The measured movements alone give the FACS rules little to argue ${label} from; the appearance models, reading the whole face, put ${label} first (${confidence}), so the decision rests on appearance beyond the measured movements and the expression reads as ${label}.`,
    );
  }
  return `<think>${sentences.join(' ')}</think>\n<answer>${label}</answer>`;
}
