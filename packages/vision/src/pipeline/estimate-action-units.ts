import type { AuId } from '@facial-r1/facs';

/** A 3D landmark in image pixels (z relative, in the same scale). */
export type Landmark = [number, number, number];

/** One geometric AU estimate. */
export interface ActionUnitEstimate {
  /** `AU1`, `AU2`, ... */
  au: AuId;
  /** The geometric measure (see {@link AU_MEASURES}), in interocular distances. */
  measure: number;
  /** The threshold the measure is compared with. */
  threshold: number;
  /** Evidence strength in [0, 1]: a logistic of the measure's distance past the threshold; 0.5 at the threshold. */
  score: number;
  /** True when `score >= 0.5`, i.e. the measure is past its threshold. */
  present: boolean;
  /** Plain-language evidence for the reasoning text, e.g. `the inner brows are raised`. */
  evidence: string;
}

/**
 * The measures, on MediaPipe FaceMesh indices, in a face frame whose x axis runs along the line
 * through the outer eye corners (33, 263) (so head roll cancels) and whose unit is that
 * interocular distance (so face size cancels). y grows downwards.
 *
 * These are GEOMETRIC ESTIMATES from one still image with fixed, hand-set thresholds; they are
 * not FACS-coded ground truth: they cannot see wrinkles or bulges, do not know the person's
 * neutral face, and mistake resting morphology (naturally high brows, a wide mouth) for action.
 */
export const AU_MEASURES = {
  AU1: {
    threshold: 0.29,
    direction: 1,
    description: 'inner brow (107/336) height above the upper lid (159/386), mean of both sides',
    evidence: 'the inner brows are raised',
  },
  AU2: {
    threshold: 0.27,
    direction: 1,
    description: 'outer brow (70/300) height above the outer eye corner (33/263), mean of both sides',
    evidence: 'the outer brows are lifted',
  },
  AU4: {
    threshold: 0.12,
    direction: -1,
    description: 'inner brow height above the upper lid (as AU1), low means lowered brows',
    evidence: 'the brows are lowered and drawn together',
  },
  AU5: {
    threshold: 0.13,
    direction: 1,
    description: 'eye opening: upper lid (159/386) to lower lid (145/374), mean of both eyes',
    evidence: 'the upper lids are raised and the eyes widen',
  },
  AU12: {
    threshold: 0.04,
    direction: 1,
    description: 'lip corner (61/291) height above the centre of the lip line (13/14), mean of both corners',
    evidence: 'the lip corners are pulled up',
  },
  AU15: {
    threshold: -0.05,
    direction: -1,
    description: 'lip corner height above the lip-line centre (as AU12), negative means pulled down',
    evidence: 'the lip corners are pulled down',
  },
  AU20: {
    threshold: 0.68,
    direction: 1,
    description:
      'mouth width: lip corner to lip corner (61-291), counted only when the corners are level (AU12 and AU15 absent)',
    evidence: 'the lips are stretched sideways',
  },
  AU25: {
    threshold: 0.05,
    direction: 1,
    description: 'inner lip gap: upper inner lip (13) to lower inner lip (14)',
    evidence: 'the lips part',
  },
  AU26: {
    threshold: 0.2,
    direction: 1,
    description: 'inner lip gap (as AU25), a large gap means the jaw drops',
    evidence: 'the jaw drops open',
  },
  AU43: {
    threshold: 0.035,
    direction: -1,
    description: 'eye opening (as AU5), nearly zero means closed eyes',
    evidence: 'the eyes are closed',
  },
} as const satisfies Record<
  string,
  { threshold: number; direction: 1 | -1; description: string; evidence: string }
>;

/** The AUs the baseline estimates. */
export type EstimatedAu = keyof typeof AU_MEASURES;

/** Logistic steepness: a measure 0.05 interocular distances past its threshold scores about 0.92. */
const STEEPNESS = 50;

/**
 * Estimates AUs from 468 FaceMesh landmarks. Returns one estimate per AU of {@link AU_MEASURES},
 * in that order.
 */
export function estimateActionUnits(mesh: readonly Landmark[]): ActionUnitEstimate[] {
  const point = (index: number) => mesh[index] as Landmark;
  const outerRight = point(33);
  const outerLeft = point(263);
  const dx = outerLeft[0] - outerRight[0];
  const dy = outerLeft[1] - outerRight[1];
  const interocular = Math.hypot(dx, dy) || 1;
  const cos = dx / interocular;
  const sin = dy / interocular;
  const origin = [(outerRight[0] + outerLeft[0]) / 2, (outerRight[1] + outerLeft[1]) / 2];
  const frame = (index: number): [number, number] => {
    const [x, y] = point(index);
    const relativeX = x - (origin[0] as number);
    const relativeY = y - (origin[1] as number);
    return [
      (relativeX * cos + relativeY * sin) / interocular,
      (-relativeX * sin + relativeY * cos) / interocular,
    ];
  };
  const y = (index: number) => frame(index)[1];
  const distance = (a: number, b: number) => Math.hypot(frame(a)[0] - frame(b)[0], frame(a)[1] - frame(b)[1]);

  const innerBrow = (y(159) - y(107) + (y(386) - y(336))) / 2;
  const outerBrow = (y(33) - y(70) + (y(263) - y(300))) / 2;
  const eyeOpening = (distance(159, 145) + distance(386, 374)) / 2;
  const lipCentre = (y(13) + y(14)) / 2;
  const cornerLift = (lipCentre - y(61) + (lipCentre - y(291))) / 2;
  const mouthWidth = distance(61, 291);
  const lipGap = distance(13, 14);

  const measures: Record<EstimatedAu, number> = {
    AU1: innerBrow,
    AU2: outerBrow,
    AU4: innerBrow,
    AU5: eyeOpening,
    AU12: cornerLift,
    AU15: cornerLift,
    AU20: mouthWidth,
    AU25: lipGap,
    AU26: lipGap,
    AU43: eyeOpening,
  };
  const estimates = (Object.keys(AU_MEASURES) as EstimatedAu[]).map((au) => {
    const { threshold, direction, evidence } = AU_MEASURES[au];
    const measure = measures[au];
    const score = 1 / (1 + Math.exp(-STEEPNESS * direction * (measure - threshold)));
    return { au: au as AuId, measure, threshold, score, present: score >= 0.5, evidence };
  });
  const byId = new Map(estimates.map((estimate) => [estimate.au, estimate]));
  const stretch = byId.get('AU20');
  if (stretch && (byId.get('AU12')?.present || byId.get('AU15')?.present)) {
    stretch.score = Math.min(stretch.score, 0.49);
    stretch.present = false;
  }
  return estimates;
}
