import type { AuId } from '@facial-r1/facs';
import calibration from './calibration.json';
import type { EmotionModelOutputs } from './combine-emotions';

/** A 3D landmark in image pixels (z relative, in the same scale). */
export type Landmark = [number, number, number];

/** One AU estimate. */
export interface ActionUnitEstimate {
  /** `AU1`, `AU2`, ... */
  au: AuId;
  /** The AU's main geometric measure (see {@link AU_MEASURES}), in interocular distances. */
  measure: number;
  /** The calibrated probability above which the AU is reported present (fitted for F1 on the coded dev faces). */
  threshold: number;
  /** Calibrated probability that the AU is present (per-AU logistic regression, see the README). */
  score: number;
  /** True when `score >= threshold`. */
  present: boolean;
  /** Plain-language evidence for the reasoning text, e.g. `the inner brows are raised`. */
  evidence: string;
}

/**
 * The geometric features, on MediaPipe FaceMesh indices, in a face frame whose x axis runs along
 * the line through the outer eye corners (33, 263) (so head roll cancels) and whose unit is that
 * interocular distance (IOD, so face size cancels). y grows downwards. Each is the mean of both
 * sides where the face has two.
 */
export const GEOMETRIC_FEATURES = {
  innerBrow: 'inner brow (107/336) height above the upper lid (159/386)',
  outerBrow: 'outer brow (70/300) height above the outer eye corner (33/263)',
  browGap: 'distance between the inner brow heads (55/285)',
  eyeOpening: 'upper lid (159/386) to lower lid (145/374)',
  lowerLid: 'lower lid (145/374) height above the eye-corner line (33-133, 263-362)',
  cheek: 'cheek (117/346) height above the mouth corners (61/291)',
  noseLength: 'nose bridge (168) to nose tip (4)',
  noseToLip: 'nose base (2) to the top of the upper lip (0)',
  cornerLift: 'lip corner (61/291) height above the centre of the lip line (13/14)',
  mouthWidth: 'lip corner to lip corner (61-291)',
  lipGap: 'inner lip gap (13-14)',
  upperLip: 'upper lip red height (0-13)',
  lowerLip: 'lower lip red height (14-17)',
  chin: 'lower lip (17) to chin (152)',
  jaw: 'nose tip (4) to chin (152)',
} as const;

/** A geometric feature's name. */
export type GeometricFeature = keyof typeof GEOMETRIC_FEATURES;

/**
 * The AUs the baseline estimates, with the geometric feature each one is mainly read from (the
 * `measure` of its estimate) and the evidence phrase the reasoning cites.
 */
export const AU_MEASURES = {
  AU1: { feature: 'innerBrow', evidence: 'the inner brows are raised' },
  AU2: { feature: 'outerBrow', evidence: 'the outer brows are lifted' },
  AU4: { feature: 'browGap', evidence: 'the brows are lowered and drawn together' },
  AU5: { feature: 'eyeOpening', evidence: 'the upper lids are raised and the eyes widen' },
  AU6: { feature: 'cheek', evidence: 'the cheeks are raised' },
  AU7: { feature: 'lowerLid', evidence: 'the lids are tightened' },
  AU9: { feature: 'noseLength', evidence: 'the nose is wrinkled' },
  AU10: { feature: 'noseToLip', evidence: 'the upper lip is raised' },
  AU12: { feature: 'cornerLift', evidence: 'the lip corners are pulled up' },
  AU14: { feature: 'mouthWidth', evidence: 'the lip corners are tightened into dimples' },
  AU15: { feature: 'cornerLift', evidence: 'the lip corners are pulled down' },
  AU17: { feature: 'chin', evidence: 'the chin is pushed up' },
  AU20: { feature: 'mouthWidth', evidence: 'the lips are stretched sideways' },
  AU23: { feature: 'upperLip', evidence: 'the lips are tightened' },
  AU24: { feature: 'lowerLip', evidence: 'the lips are pressed together' },
  AU25: { feature: 'lipGap', evidence: 'the lips part' },
  AU26: { feature: 'lipGap', evidence: 'the jaw drops open' },
  AU27: { feature: 'jaw', evidence: 'the mouth is stretched wide open' },
} as const satisfies Record<string, { feature: GeometricFeature; evidence: string }>;

/** The AUs the baseline estimates. */
export type EstimatedAu = keyof typeof AU_MEASURES;

/** One AU's fitted logistic regression over standardised features. */
export interface AuCalibration {
  /** Feature names: geometric ones, or `human:<emotion>` / `faceApi:<emotion>` (log-probabilities). */
  features: string[];
  /** Feature means and standard deviations used to standardise before the dot product. */
  mean: number[];
  scale: number[];
  coefficients: number[];
  intercept: number;
  /** Decision threshold on the probability. */
  threshold: number;
}

const AU_CALIBRATION = (calibration as { actionUnits: Record<string, AuCalibration> }).actionUnits;

/** Computes the {@link GEOMETRIC_FEATURES} of 468 FaceMesh landmarks. */
export function faceGeometry(mesh: readonly Landmark[]): Record<GeometricFeature, number> {
  const point = (index: number) => mesh[index] as Landmark;
  const outerRight = point(33);
  const outerLeft = point(263);
  const dx = outerLeft[0] - outerRight[0];
  const dy = outerLeft[1] - outerRight[1];
  const interocular = Math.hypot(dx, dy) || 1;
  const cos = dx / interocular;
  const sin = dy / interocular;
  const originX = (outerRight[0] + outerLeft[0]) / 2;
  const originY = (outerRight[1] + outerLeft[1]) / 2;
  const frame = (index: number): [number, number] => {
    const [x, y] = point(index);
    const relativeX = x - originX;
    const relativeY = y - originY;
    return [
      (relativeX * cos + relativeY * sin) / interocular,
      (-relativeX * sin + relativeY * cos) / interocular,
    ];
  };
  const y = (index: number) => frame(index)[1];
  const distance = (a: number, b: number) => Math.hypot(frame(a)[0] - frame(b)[0], frame(a)[1] - frame(b)[1]);
  const lipCentre = (y(13) + y(14)) / 2;
  return {
    innerBrow: (y(159) - y(107) + (y(386) - y(336))) / 2,
    outerBrow: (y(33) - y(70) + (y(263) - y(300))) / 2,
    browGap: distance(55, 285),
    eyeOpening: (distance(159, 145) + distance(386, 374)) / 2,
    lowerLid: ((y(33) + y(133)) / 2 - y(145) + ((y(263) + y(362)) / 2 - y(374))) / 2,
    cheek: (y(61) - y(117) + (y(291) - y(346))) / 2,
    noseLength: distance(168, 4),
    noseToLip: distance(2, 0),
    cornerLift: (lipCentre - y(61) + (lipCentre - y(291))) / 2,
    mouthWidth: distance(61, 291),
    lipGap: distance(13, 14),
    upperLip: distance(0, 13),
    lowerLip: distance(14, 17),
    chin: distance(17, 152),
    jaw: distance(4, 152),
  };
}

/** The feature vector an {@link AuCalibration} reads, by name. */
export function auFeatureValues(
  geometry: Record<GeometricFeature, number>,
  models: EmotionModelOutputs | undefined,
): Record<string, number> {
  const values: Record<string, number> = { ...geometry };
  if (models)
    for (const [model, probabilities] of Object.entries(models))
      for (const [label, probability] of Object.entries(probabilities as Record<string, number>))
        values[`${model}:${label}`] = Math.log(probability + 1e-4);
  return values;
}

/** The probability an {@link AuCalibration} gives a feature vector. */
export function auProbability(model: AuCalibration, values: Record<string, number>): number {
  let logit = model.intercept;
  model.features.forEach((name, index) => {
    const standardised = ((values[name] ?? 0) - (model.mean[index] ?? 0)) / (model.scale[index] || 1);
    logit += (model.coefficients[index] ?? 0) * standardised;
  });
  return 1 / (1 + Math.exp(-logit));
}

/**
 * Estimates AUs from 468 FaceMesh landmarks (and, where given, the emotion models' outputs): one
 * estimate per AU of {@link AU_MEASURES}, in that order. Each AU's score is a logistic regression
 * over the standardised geometric features and the appearance models' log-probabilities, fitted
 * on the FACS-coded CK+ faces of the development set (`calibration/fit.ts`); `present` when the
 * score reaches the AU's fitted threshold.
 *
 * These are estimates from one still image: they cannot see the person's neutral face, and read
 * resting morphology (naturally high brows, a wide mouth) as action.
 */
export function estimateActionUnits(
  mesh: readonly Landmark[],
  models?: EmotionModelOutputs,
  calibrations: Record<string, AuCalibration> = AU_CALIBRATION,
): ActionUnitEstimate[] {
  const geometry = faceGeometry(mesh);
  const values = auFeatureValues(geometry, models);
  return (Object.keys(AU_MEASURES) as EstimatedAu[]).map((au) => {
    const { feature, evidence } = AU_MEASURES[au];
    const model = calibrations[au];
    const score = model ? auProbability(model, values) : 0;
    const threshold = model?.threshold ?? 0.5;
    return {
      au: au as AuId,
      measure: geometry[feature],
      threshold,
      score,
      present: score >= threshold,
      evidence,
    };
  });
}
