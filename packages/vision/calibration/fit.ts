// Fits the baseline's calibration on the development set's features (calibration/collect.ts) and
// writes src/pipeline/calibration.json: the emotion fusion and one logistic regression per AU,
// with the cross-validated scores the README reports. Deterministic (fixed folds, fixed steps).
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EMOTION_CNN_LABELS, type EmotionModelOutputs } from '../src/pipeline/combine-emotions';
import { AU_MEASURES, type AuCalibration, GEOMETRIC_FEATURES } from '../src/pipeline/estimate-action-units';

interface Row {
  source: 'fer2013' | 'taiwanese' | 'jaffe' | 'ck';
  path: string;
  label?: string;
  aus?: string[];
  face?: { geometry: Record<string, number>; models: EmotionModelOutputs; source: string };
}

const featuresPath = join(import.meta.dirname, '.cache', 'dev-features.json');
if (!existsSync(featuresPath)) {
  console.log(`skipped: ${featuresPath} is absent; run calibration/collect.ts first (it needs the dev set)`);
  process.exit(0);
}
const rows: Row[] = JSON.parse(await readFile(featuresPath, 'utf8'));
const EMOTION_SOURCES = ['fer2013', 'taiwanese', 'jaffe'] as const;
const MODELS = ['human', 'faceApi'] as const;
const K = EMOTION_CNN_LABELS.length;

// ---- emotion fusion: logit_c = Σ_m w_m · log(p_m(c) + 1e-4) + b_c (one temperature per model) ----
interface Fusion {
  w: number[];
  b: number[];
}
const emotionRows = rows.filter((row) => row.source !== 'ck');
const logProbabilities = (row: Row) =>
  MODELS.map((model) =>
    EMOTION_CNN_LABELS.map((label) => Math.log((row.face?.models[model][label] ?? 1 / K) + 1e-4)),
  );
const fusionLogits = (x: number[][], fusion: Fusion) =>
  EMOTION_CNN_LABELS.map(
    (_, c) =>
      (fusion.b[c] as number) +
      MODELS.reduce((sum, _m, m) => sum + (fusion.w[m] as number) * (x[m]?.[c] as number), 0),
  );
const argmax = (values: number[]) =>
  values.reduce((best, value, index) => (value > (values[best] as number) ? index : best), 0);

function fitFusion(xs: number[][][], ys: number[], lambda = 0.01, steps = 1500, rate = 0.1): Fusion {
  const fusion: Fusion = { w: [0.5, 0.5], b: new Array(K).fill(0) };
  for (let step = 0; step < steps; step++) {
    const gradientW = [0, 0];
    const gradientB = new Array(K).fill(0);
    xs.forEach((x, n) => {
      const logits = fusionLogits(x, fusion);
      const top = Math.max(...logits);
      const exps = logits.map((logit) => Math.exp(logit - top));
      const total = exps.reduce((a, b) => a + b, 0);
      exps.forEach((value, c) => {
        const residual = value / total - (c === ys[n] ? 1 : 0);
        gradientB[c] += residual;
        for (let m = 0; m < MODELS.length; m++)
          gradientW[m] = (gradientW[m] as number) + residual * (x[m]?.[c] as number);
      });
    });
    for (let m = 0; m < MODELS.length; m++)
      fusion.w[m] =
        (fusion.w[m] as number) -
        rate * ((gradientW[m] as number) / xs.length + lambda * ((fusion.w[m] as number) - 0.5));
    for (let c = 0; c < K; c++)
      fusion.b[c] =
        (fusion.b[c] as number) -
        rate * ((gradientB[c] as number) / xs.length + lambda * (fusion.b[c] as number));
  }
  return fusion;
}

const xs = emotionRows.map(logProbabilities);
const ys = emotionRows.map((row) =>
  EMOTION_CNN_LABELS.indexOf(row.label as (typeof EMOTION_CNN_LABELS)[number]),
);
const evaluate = (predicted: number[], keep: (index: number) => boolean = () => true) => {
  const indices = ys.map((_, index) => index).filter(keep);
  const correct = indices.filter((index) => predicted[index] === ys[index]).length;
  const faceless = indices.filter((index) => !emotionRows[index]?.face).length;
  return { images: indices.length, accuracy: correct / indices.length, noFace: faceless };
};
const recall = (predicted: number[]) =>
  Object.fromEntries(
    EMOTION_CNN_LABELS.map((label, c) => {
      const members = ys.map((y, index) => (y === c ? index : -1)).filter((index) => index >= 0);
      return [label, round(members.filter((index) => predicted[index] === c).length / members.length)];
    }),
  );
const round = (value: number) => Math.round(value * 1000) / 1000;

// Leave one source out: fitted on the other two sources, scored on the held-out one.
const leaveOneSourceOut = new Array<number>(ys.length).fill(-1);
for (const source of EMOTION_SOURCES) {
  const train = emotionRows
    .map((row, index) => (row.source !== source ? index : -1))
    .filter((index) => index >= 0);
  const fusion = fitFusion(
    train.map((index) => xs[index] as number[][]),
    train.map((index) => ys[index] as number),
  );
  emotionRows.forEach((row, index) => {
    if (row.source === source)
      leaveOneSourceOut[index] = argmax(fusionLogits(xs[index] as number[][], fusion));
  });
}
// Five folds, images dealt round-robin within each class of each source.
const foldOf = new Array<number>(ys.length).fill(0);
const dealt = new Map<string, number>();
emotionRows.forEach((row, index) => {
  const key = `${row.source}/${row.label}`;
  const count = dealt.get(key) ?? 0;
  foldOf[index] = count % 5;
  dealt.set(key, count + 1);
});
const fiveFold = new Array<number>(ys.length).fill(-1);
for (let fold = 0; fold < 5; fold++) {
  const train = ys.map((_, index) => index).filter((index) => foldOf[index] !== fold);
  const fusion = fitFusion(
    train.map((index) => xs[index] as number[][]),
    train.map((index) => ys[index] as number),
  );
  ys.forEach((_, index) => {
    if (foldOf[index] === fold) fiveFold[index] = argmax(fusionLogits(xs[index] as number[][], fusion));
  });
}
const finalFusion = fitFusion(xs, ys);
const emotionReport = (predicted: number[]) => ({
  all: { ...evaluate(predicted), recall: recall(predicted) },
  ...Object.fromEntries(
    EMOTION_SOURCES.map((source) => [
      source,
      evaluate(predicted, (index) => emotionRows[index]?.source === source),
    ]),
  ),
});

// ---- AUs: one L2-regularised logistic regression per AU over the standardised geometry ----
const ckRows = rows.filter((row) => row.source === 'ck' && row.face);
const featureNames = Object.keys(GEOMETRIC_FEATURES);
const geometry = ckRows.map((row) => featureNames.map((name) => row.face?.geometry[name] ?? 0));
const subjectOf = ckRows.map((row) => (row.path.split('/').pop() ?? '').slice(0, 4));
const subjects = [...new Set(subjectOf)].sort();
const auFoldOf = subjectOf.map((subject) => subjects.indexOf(subject) % 5);

function standardiser(rowsIndices: number[]) {
  const mean = featureNames.map(
    (_, j) =>
      rowsIndices.reduce((sum, index) => sum + (geometry[index]?.[j] as number), 0) / rowsIndices.length,
  );
  const scale = featureNames.map(
    (_, j) =>
      Math.sqrt(
        rowsIndices.reduce(
          (sum, index) => sum + ((geometry[index]?.[j] as number) - (mean[j] as number)) ** 2,
          0,
        ) / rowsIndices.length,
      ) || 1,
  );
  return { mean, scale };
}
function fitLogistic(indices: number[], labels: boolean[], lambda = 0.03, steps = 800, rate = 0.3) {
  const { mean, scale } = standardiser(indices);
  const standard = (index: number) =>
    featureNames.map(
      (_, j) => ((geometry[index]?.[j] as number) - (mean[j] as number)) / (scale[j] as number),
    );
  const data = indices.map(standard);
  const coefficients = new Array(featureNames.length).fill(0);
  let intercept = 0;
  for (let step = 0; step < steps; step++) {
    const gradient = new Array(featureNames.length).fill(0);
    let gradientIntercept = 0;
    data.forEach((x, n) => {
      const logit = x.reduce((sum, value, j) => sum + value * coefficients[j], intercept);
      const residual = 1 / (1 + Math.exp(-logit)) - (labels[indices[n] as number] ? 1 : 0);
      gradientIntercept += residual;
      x.forEach((value, j) => {
        gradient[j] += residual * value;
      });
    });
    intercept -= (rate * gradientIntercept) / data.length;
    for (let j = 0; j < coefficients.length; j++)
      coefficients[j] -= rate * (gradient[j] / data.length + lambda * coefficients[j]);
  }
  const probability = (index: number) =>
    1 / (1 + Math.exp(-standard(index).reduce((sum, value, j) => sum + value * coefficients[j], intercept)));
  return { mean, scale, coefficients, intercept, probability };
}
const f1 = (truth: boolean[], predicted: boolean[]) => {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  truth.forEach((value, index) => {
    if (value && predicted[index]) tp++;
    else if (!value && predicted[index]) fp++;
    else if (value && !predicted[index]) fn++;
  });
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
};
// From 0.25: lower thresholds let a weak AU fire on most faces (its F1 then only mirrors the base rate).
const THRESHOLDS = Array.from({ length: 27 }, (_, index) => 0.25 + index * 0.025);
function bestThreshold(indices: number[], labels: boolean[], probabilities: Map<number, number>) {
  let best = { f1: -1, threshold: 0.5 };
  for (const threshold of THRESHOLDS) {
    const score = f1(
      indices.map((index) => labels[index] as boolean),
      indices.map((index) => (probabilities.get(index) as number) >= threshold),
    );
    if (score > best.f1) best = { f1: score, threshold };
  }
  return best.threshold;
}
/** Out-of-fold probabilities of `indices` by subject folds within them. */
function outOfFold(indices: number[], labels: boolean[]) {
  const probabilities = new Map<number, number>();
  for (let fold = 0; fold < 5; fold++) {
    const train = indices.filter((index) => auFoldOf[index] !== fold);
    const test = indices.filter((index) => auFoldOf[index] === fold);
    if (test.length === 0) continue;
    const model = fitLogistic(train, labels);
    for (const index of test) probabilities.set(index, model.probability(index));
  }
  return probabilities;
}

const actionUnits: Record<string, AuCalibration> = {};
const auReport: Record<string, { positives: number; f1: number; threshold: number }> = {};
const all = ckRows.map((_, index) => index);
for (const au of Object.keys(AU_MEASURES)) {
  const labels = ckRows.map((row) => row.aus?.includes(au) ?? false);
  // Nested: each outer subject fold is predicted by a model fitted on the other folds, with a
  // threshold chosen on those folds' own out-of-fold probabilities.
  const predicted = new Array<boolean>(ckRows.length).fill(false);
  for (let fold = 0; fold < 5; fold++) {
    const train = all.filter((index) => auFoldOf[index] !== fold);
    const threshold = bestThreshold(train, labels, outOfFold(train, labels));
    const model = fitLogistic(train, labels);
    for (const index of all.filter((i) => auFoldOf[i] === fold))
      predicted[index] = model.probability(index) >= threshold;
  }
  const threshold = bestThreshold(all, labels, outOfFold(all, labels));
  const model = fitLogistic(all, labels);
  actionUnits[au] = {
    features: featureNames,
    mean: model.mean.map((value) => Number(value.toPrecision(6))),
    scale: model.scale.map((value) => Number(value.toPrecision(6))),
    coefficients: model.coefficients.map((value) => Number(value.toPrecision(6))),
    intercept: Number(model.intercept.toPrecision(6)),
    threshold: Number(threshold.toFixed(3)),
  };
  auReport[au] = {
    positives: labels.filter(Boolean).length,
    f1: round(f1(labels, predicted)),
    threshold: actionUnits[au].threshold,
  };
}
const macro =
  Object.values(auReport).reduce((sum, entry) => sum + entry.f1, 0) / Object.keys(auReport).length;

const calibration = {
  emotion: {
    fittedOn: ['FER2013 PrivateTest (140)', 'Taiwanese facial expression set (120)', 'JAFFE (73)'],
    weights: {
      human: new Array(K).fill(Number((finalFusion.w[0] as number).toPrecision(6))),
      faceApi: new Array(K).fill(Number((finalFusion.w[1] as number).toPrecision(6))),
    },
    bias: finalFusion.b.map((value) => Number(value.toPrecision(6))),
  },
  actionUnits,
  report: {
    note: 'Cross-validated on the development set (calibration/fit.ts); no image scored by a model fitted on it.',
    emotion: {
      leaveOneSourceOut: emotionReport(leaveOneSourceOut),
      fiveFold: emotionReport(fiveFold),
      trainingFit: emotionReport(xs.map((x) => argmax(fusionLogits(x, finalFusion)))),
    },
    actionUnits: {
      fittedOn: `CK+ peak frames with FACS codes (${ckRows.length} with a face), 5 folds by subject, thresholds chosen inside the training folds`,
      macroF1: round(macro),
      perAu: auReport,
    },
  },
};
await writeFile(
  join(import.meta.dirname, '..', 'src', 'pipeline', 'calibration.json'),
  `${JSON.stringify(calibration, null, 2)}\n`,
);
console.log(JSON.stringify(calibration.report, null, 1));
