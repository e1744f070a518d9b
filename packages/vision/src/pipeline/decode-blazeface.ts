/** A face found by the detector, in image pixels. */
export interface FaceDetection {
  /** `[x, y, width, height]` of the (tight) detector box. */
  box: [number, number, number, number];
  /** Detector confidence in [0, 1]. */
  score: number;
  /** The six BlazeFace keypoints: right eye, left eye, nose, mouth, right ear, left ear (subject's sides). */
  keypoints: [number, number][];
}

/** BlazeFace anchor centres for a 256 input: a 16x16 grid with 2 anchors, then an 8x8 grid with 6. */
export function blazefaceAnchors(inputSize = 256): [number, number][] {
  const anchors: [number, number][] = [];
  for (const [stride, perCell] of [
    [16, 2],
    [32, 6],
  ] as const) {
    const cells = Math.ceil(inputSize / stride);
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++)
        for (let n = 0; n < perCell; n++) anchors.push([stride * (x + 0.5), stride * (y + 0.5)]);
  }
  return anchors;
}

const iou = (a: FaceDetection['box'], b: FaceDetection['box']) => {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const intersection = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - intersection;
  return union > 0 ? intersection / union : 0;
};

/** Options of {@link decodeBlazeface}. */
export interface DecodeBlazefaceOptions {
  /** Minimum sigmoid score. Default 0.5. */
  minConfidence?: number;
  /** IoU above which a lower-scored box is suppressed. Default 0.3. */
  iouThreshold?: number;
  /** Maximum faces returned. Default 20. */
  maxFaces?: number;
}

/**
 * Decodes BlazeFace's raw outputs (the 512-anchor and 384-anchor heads: logits `[n, 1]` and
 * regressors `[n, 16]`: centre offset, size, then six keypoint offsets, all in input pixels) into
 * detections in input pixels, with greedy non-maximum suppression.
 */
export function decodeBlazeface(
  heads: {
    logits512: Float32Array;
    regressors512: Float32Array;
    logits384: Float32Array;
    regressors384: Float32Array;
  },
  options: DecodeBlazefaceOptions = {},
): FaceDetection[] {
  const minConfidence = options.minConfidence ?? 0.5;
  const anchors = blazefaceAnchors();
  const candidates: FaceDetection[] = [];
  anchors.forEach(([anchorX, anchorY], index) => {
    const first = index < 512;
    const row = first ? index : index - 512;
    const logit = (first ? heads.logits512 : heads.logits384)[row] as number;
    const score = 1 / (1 + Math.exp(-logit));
    if (score < minConfidence) return;
    const regressors = first ? heads.regressors512 : heads.regressors384;
    const at = row * 16;
    const centerX = (regressors[at] as number) + anchorX;
    const centerY = (regressors[at + 1] as number) + anchorY;
    const width = regressors[at + 2] as number;
    const height = regressors[at + 3] as number;
    const keypoints: [number, number][] = [];
    for (let k = 0; k < 6; k++)
      keypoints.push([
        (regressors[at + 4 + 2 * k] as number) + anchorX,
        (regressors[at + 5 + 2 * k] as number) + anchorY,
      ]);
    candidates.push({ box: [centerX - width / 2, centerY - height / 2, width, height], score, keypoints });
  });
  candidates.sort((a, b) => b.score - a.score);
  const kept: FaceDetection[] = [];
  for (const candidate of candidates) {
    if (kept.length >= (options.maxFaces ?? 20)) break;
    if (kept.every((face) => iou(face.box, candidate.box) <= (options.iouThreshold ?? 0.3)))
      kept.push(candidate);
  }
  return kept;
}
