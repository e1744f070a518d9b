import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuId } from '@facial-r1/facs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { convertTfjsModelCached } from '../convert/converted-model-cache';
import { ImageDecodeError } from '../errors';
import {
  FACE_API_EXPRESSION_INPUT_SIZE,
  FACE_API_EXPRESSION_LABELS,
  FACE_API_EXPRESSION_MEAN_RGB,
} from '../convert/face-api-expression-graph';
import { faceApiModelsDirectory, humanModelsDirectory } from '../shipped-assets';
import {
  combineEmotions,
  EMOTION_CNN_LABELS,
  type EmotionEstimate,
  type EmotionModelOutputs,
} from './combine-emotions';
import { composeReasoning } from './compose-reasoning';
import { decodeBlazeface, type DecodeBlazefaceOptions } from './decode-blazeface';
import { type ActionUnitEstimate, estimateActionUnits, type Landmark } from './estimate-action-units';
import { type RgbImage, regionToImage, type SquareRegion, sampleRegion } from './raster';

/** Options of {@link FaceAnalyzer.create}. */
export interface FaceAnalyzerOptions extends DecodeBlazefaceOptions {
  /** Where converted models are cached; see `resolveCacheDirectory`. */
  cacheDir?: string;
  /** Folder holding `blazeface.json`, `facemesh.json`, `emotion.json` (+ shards). Default: Human's. */
  modelsDirectory?: string;
  /** Largest image accepted, in pixels (width x height). Default 50 megapixels. */
  maxPixels?: number;
  /** Minimum FaceMesh face-flag score to keep a face. Default 0.5. */
  minMeshConfidence?: number;
  /** onnxruntime intra-op threads per session. Default 1 (fastest for these small graphs). */
  threads?: number;
  /** Folder holding face-api's `face_expression_model-weights_manifest.json` (+ shard). Default: face-api's. */
  faceApiModelsDirectory?: string;
  /**
   * Largest image side (pixels) that is taken as one face crop when the detector finds nothing,
   * even if FaceMesh doubts it (FER2013-style crops). Larger images without a detection give no
   * face unless FaceMesh confirms the whole frame. Default 256.
   */
  wholeFrameMaxSide?: number;
  /**
   * Largest image side (pixels) at which a one-face image counts as a face crop: the appearance
   * models then read the whole frame instead of the landmark square. Default 128.
   */
  faceCropMaxSide?: number;
}

/**
 * How a face was found: by the detector on the image (and its tiles), by the detector on the image
 * padded with a black margin (tight crops), or as the whole frame (an image that is itself a face
 * crop, where the detector found nothing).
 */
export type FaceSource = 'detector' | 'padded' | 'whole-frame';

interface FaceCandidate {
  box: { x: number; y: number; width: number; height: number };
  angle: number;
  score: number;
  source: FaceSource;
}

/** Greedy non-maximum suppression of candidates in image pixels, best score first. */
function suppressOverlaps(
  candidates: FaceCandidate[],
  iouThreshold: number,
  maxFaces: number,
): FaceCandidate[] {
  const intersection = (a: FaceCandidate['box'], b: FaceCandidate['box']) =>
    Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) *
    Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const kept: FaceCandidate[] = [];
  for (const candidate of [...candidates].sort((a, b) => b.score - a.score)) {
    if (kept.length >= maxFaces) break;
    const area = candidate.box.width * candidate.box.height;
    const overlaps = kept.some((face) => {
      const shared = intersection(face.box, candidate.box);
      const union = area + face.box.width * face.box.height - shared;
      // Same face: IoU over the threshold, or mostly inside a kept box (a tile's partial view).
      return shared / union > iouThreshold || shared >= 0.6 * area;
    });
    if (!overlaps) kept.push(candidate);
  }
  return kept;
}

/** The whole image as one face candidate. */
const wholeFrame = (image: RgbImage): FaceCandidate => ({
  box: { x: 0, y: 0, width: image.width, height: image.height },
  angle: 0,
  score: 0,
  source: 'whole-frame',
});

/** Scale of the face-api expression crop relative to the landmark bounding square. */
const FACE_API_CROP_SCALE = 1.1;

/** Milliseconds spent per stage for one image. */
export interface StageTimings {
  decode: number;
  detect: number;
  landmarks: number;
  emotion: number;
  reasoning: number;
}

/** The analysis of one face. */
export interface FaceAnalysis {
  /** Detector box in image pixels (the whole frame for a `whole-frame` face). */
  box: { x: number; y: number; width: number; height: number };
  /** How the face was found (see {@link FaceSource}). */
  source: FaceSource;
  /** Detector confidence (0 for a `whole-frame` face). */
  detectionScore: number;
  /** FaceMesh face-flag score. */
  meshScore: number;
  /** Head roll from the eye line, in degrees (positive: clockwise in the image). */
  rollDegrees: number;
  /** 468 FaceMesh landmarks in image pixels. */
  landmarks: Landmark[];
  /** Every geometric AU estimate (see `AU_MEASURES`). */
  actionUnits: ActionUnitEstimate[];
  /** The AUs estimated present, sorted by code. */
  presentAus: AuId[];
  /** CNN, AU-rule support and combined probabilities, and the label. */
  emotion: EmotionEstimate;
  /** The completion: `<think>...</think>\n<answer>...</answer>`. */
  reasoning: string;
}

/** The analysis of one image. */
export interface ImageAnalysis {
  width: number;
  height: number;
  faces: FaceAnalysis[];
  timings: StageTimings;
}

const sessionOptions = (threads: number): ort.InferenceSession.SessionOptions => ({
  logSeverityLevel: 3,
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});

/** Reads a file whole after checking (open non-blocking, fstat) that it is a regular file. */
async function readRegularFile(file: string): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile())
      throw new ImageDecodeError(
        file,
        `${file} is not a regular file (a FIFO, device or folder); pass an image file.`,
      );
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** True for text starting with `<` (after a BOM and whitespace): SVG or other XML. */
function looksLikeSvg(bytes: Uint8Array): boolean {
  let index = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (
    index < Math.min(bytes.length, 4096) &&
    (bytes[index] === 0x20 || (bytes[index]! >= 0x09 && bytes[index]! <= 0x0d))
  )
    index += 1;
  return bytes[index] === 0x3c;
}

/** Decodes an image file or buffer to RGB with sharp, applying EXIF orientation, within a pixel limit. */
export async function decodeImage(input: string | Uint8Array, maxPixels = 50_000_000): Promise<RgbImage> {
  const source = typeof input === 'string' ? input : '<buffer>';
  try {
    // Bytes, never a path, reach sharp: a FIFO or device named like an image is refused before
    // any read (it would block), and SVG is refused (an href could pull in a file beside it).
    const bytes = typeof input === 'string' ? await readRegularFile(input) : input;
    if (looksLikeSvg(bytes))
      throw new ImageDecodeError(
        source,
        `${source} is SVG/XML text; pass a JPEG, PNG, WebP, GIF, AVIF or TIFF image (SVG is refused: it can reference other files).`,
      );
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated' })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error;
    const reason = (error as Error).message;
    let message = `Cannot read image ${source}: ${reason}`;
    if (/no such file|ENOENT/i.test(reason)) message = `Image not found: ${source}. Check the path.`;
    else if (/unsupported image format/i.test(reason))
      message = `${source} is not an image sharp can decode (JPEG, PNG, WebP, GIF, AVIF, TIFF).`;
    else if (/pixel limit/i.test(reason))
      message = `${source} is larger than the limit of ${maxPixels} pixels; resize it or raise maxPixels (--max-pixels).`;
    else if (/truncated|premature end|corrupt/i.test(reason))
      message = `${source} is truncated or corrupt: ${reason}`;
    throw new ImageDecodeError(source, message, { cause: error });
  }
}

const now = () => performance.now();

/**
 * The face pipeline: BlazeFace detection (whole frame, tiles for small faces, a padded retry and a
 * whole-frame fallback for face crops), roll alignment from the eye line, 468-point FaceMesh, AU
 * probabilities from the landmark geometry (calibrated per AU), the emotion from Human's CNN and
 * face-api's faceExpressionNet fused by a calibrated model, and the composed reasoning. Models are
 * converted to ONNX (cached) and run on onnxruntime-node; images are decoded with sharp.
 */
export class FaceAnalyzer {
  private constructor(
    private readonly detector: ort.InferenceSession,
    private readonly mesh: ort.InferenceSession,
    private readonly classifier: ort.InferenceSession,
    private readonly expression: ort.InferenceSession,
    private readonly options: FaceAnalyzerOptions,
  ) {}

  /** Converts (or loads from the cache) the four models and opens their sessions. */
  static async create(options: FaceAnalyzerOptions = {}): Promise<FaceAnalyzer> {
    const directory = options.modelsDirectory ?? humanModelsDirectory();
    const open = async (name: string, folder = directory) => {
      const { path } = await convertTfjsModelCached(join(folder, `${name}.json`), {
        cacheDir: options.cacheDir,
      });
      return ort.InferenceSession.create(path, sessionOptions(options.threads ?? 1));
    };
    const [detector, mesh, classifier, expression] = await Promise.all([
      open('blazeface'),
      open('facemesh'),
      open('emotion'),
      open(
        'face_expression_model-weights_manifest',
        options.faceApiModelsDirectory ?? faceApiModelsDirectory(),
      ),
    ]);
    return new FaceAnalyzer(detector, mesh, classifier, expression, options);
  }

  /** Analyses every face of one image (a path or encoded bytes). */
  async analyze(input: string | Uint8Array | RgbImage): Promise<ImageAnalysis> {
    const timings: StageTimings = { decode: 0, detect: 0, landmarks: 0, emotion: 0, reasoning: 0 };
    let start = now();
    const image =
      typeof input === 'string' || input instanceof Uint8Array
        ? await decodeImage(input, this.options.maxPixels)
        : input;
    timings.decode = now() - start;

    start = now();
    const candidates = await this.findFaces(image);
    timings.detect = now() - start;

    const faces: FaceAnalysis[] = [];
    for (const candidate of candidates) {
      const face = await this.analyzeFace(image, candidate, timings, candidates.length === 1);
      if (face) faces.push(face);
    }
    // Detections the mesh rejected on a small image: the image is itself a face crop.
    const side = Math.max(image.width, image.height);
    if (
      faces.length === 0 &&
      side <= (this.options.wholeFrameMaxSide ?? 256) &&
      !candidates.some((c) => c.source === 'whole-frame')
    ) {
      const face = await this.analyzeFace(image, wholeFrame(image), timings, true);
      if (face) faces.push(face);
    }
    return { width: image.width, height: image.height, faces, timings };
  }

  /** Landmarks, AUs, emotion and reasoning of one candidate face; null when FaceMesh rejects it. */
  private async analyzeFace(
    image: RgbImage,
    candidate: FaceCandidate,
    timings: StageTimings,
    onlyFace: boolean,
  ): Promise<FaceAnalysis | null> {
    let start = now();
    const { box, angle } = candidate;
    const meshRegion: SquareRegion = {
      centerX: box.x + box.width / 2,
      centerY: box.y + box.height / 2,
      size: Math.max(box.width, box.height) * 1.5,
      angle,
    };
    const meshOutputs = await this.mesh.run({
      [this.mesh.inputNames[0] as string]: new ort.Tensor(
        'float32',
        sampleRegion(image, meshRegion, 192, 3),
        [1, 192, 192, 3],
      ),
    });
    const meshData = Object.values(meshOutputs).find((tensor) => tensor.data.length === 1404)
      ?.data as Float32Array;
    const meshScore = Number(
      Object.values(meshOutputs).find((tensor) => tensor.data.length === 1)?.data[0] ?? 0,
    );
    timings.landmarks += now() - start;
    // A detector face needs the mesh's confirmation; a whole-frame face (the image is itself a
    // crop) is kept either way, its AUs then rest on a weak mesh (meshScore says how weak).
    const croppedFace =
      candidate.source === 'whole-frame' &&
      Math.max(image.width, image.height) <= (this.options.wholeFrameMaxSide ?? 256);
    if (!croppedFace && meshScore < (this.options.minMeshConfidence ?? 0.5)) return null;
    const landmarks: Landmark[] = [];
    for (let index = 0; index < 468; index++) {
      const [pointX, pointY] = regionToImage(
        meshRegion,
        192,
        meshData[index * 3] as number,
        meshData[index * 3 + 1] as number,
      );
      landmarks.push([pointX, pointY, ((meshData[index * 3 + 2] as number) / 192) * meshRegion.size]);
    }

    start = now();
    const rotated = landmarks.map(([pointX, pointY]) => {
      const relativeX = pointX - meshRegion.centerX;
      const relativeY = pointY - meshRegion.centerY;
      return [
        relativeX * Math.cos(angle) + relativeY * Math.sin(angle),
        -relativeX * Math.sin(angle) + relativeY * Math.cos(angle),
      ];
    });
    const xs = rotated.map((point) => point[0] as number);
    const ys = rotated.map((point) => point[1] as number);
    const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const centreLocalX = (minX + maxX) / 2;
    const centreLocalY = (minY + maxY) / 2;
    const meshFits = meshScore >= (this.options.minMeshConfidence ?? 0.5);
    const emotionRegion: SquareRegion = meshFits
      ? {
          centerX: meshRegion.centerX + centreLocalX * Math.cos(angle) - centreLocalY * Math.sin(angle),
          centerY: meshRegion.centerY + centreLocalX * Math.sin(angle) + centreLocalY * Math.cos(angle),
          size: Math.max(maxX - minX, maxY - minY),
          angle,
        }
      : { centerX: meshRegion.centerX, centerY: meshRegion.centerY, size: meshRegion.size / 1.5, angle };
    // A small image holding one face is a face crop, framed as the appearance models' training
    // crops were (FER2013: 48x48 face crops): they read it best whole. Measured on the dev set,
    // FER2013 crops: face-api 0.41 on the landmark square vs 0.54 on the whole frame.
    const side = Math.max(image.width, image.height);
    const faceCrop = onlyFace && side <= (this.options.faceCropMaxSide ?? 128);
    const models = await this.classify(
      image,
      faceCrop
        ? { centerX: image.width / 2, centerY: image.height / 2, size: side, angle: 0 }
        : emotionRegion,
    );
    timings.emotion += now() - start;

    start = now();
    // On a whole-frame face FaceMesh doubts, the landmarks are too loose to measure movements:
    // the scores are kept for inspection but no AU is reported present.
    const actionUnits = estimateActionUnits(landmarks, models).map((estimate) =>
      meshFits ? estimate : { ...estimate, present: false },
    );
    const presentAus = actionUnits
      .filter((estimate) => estimate.present)
      .map((estimate) => estimate.au)
      .sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
    const emotion = combineEmotions(models, presentAus);
    const reasoning = composeReasoning(emotion, presentAus, actionUnits, { landmarksLoose: !meshFits });
    timings.reasoning += now() - start;
    return {
      box,
      source: candidate.source,
      detectionScore: candidate.score,
      meshScore,
      rollDegrees: (angle * 180) / Math.PI,
      landmarks,
      actionUnits,
      presentAus,
      emotion,
      reasoning,
    };
  }

  /**
   * Both appearance models on one face region (the landmarks' bounding square, rolled upright):
   * Human's CNN on it at 64x64 grey, face-api's net on it enlarged by 10% at 112x112 RGB.
   */
  async classify(image: RgbImage, region: SquareRegion): Promise<EmotionModelOutputs> {
    const gray = sampleRegion(image, region, 64, 1).map((value) => (value - 0.5) * 2);
    const humanOutputs = await this.classifier.run({
      [this.classifier.inputNames[0] as string]: new ort.Tensor('float32', gray, [1, 64, 64, 1]),
    });
    const humanOutput = Object.values(humanOutputs)[0]?.data as Float32Array;
    const expressionRegion = { ...region, size: region.size * FACE_API_CROP_SCALE };
    const rgb = sampleRegion(image, expressionRegion, FACE_API_EXPRESSION_INPUT_SIZE, 3).map(
      (value, index) => value - (FACE_API_EXPRESSION_MEAN_RGB[index % 3] as number) / 255,
    );
    const expressionOutputs = await this.expression.run({
      [this.expression.inputNames[0] as string]: new ort.Tensor('float32', rgb, [
        1,
        FACE_API_EXPRESSION_INPUT_SIZE,
        FACE_API_EXPRESSION_INPUT_SIZE,
        3,
      ]),
    });
    const faceApiOutput = Object.values(expressionOutputs)[0]?.data as Float32Array;
    return {
      human: Object.fromEntries(
        EMOTION_CNN_LABELS.map((label, index) => [label, Number(humanOutput[index])]),
      ),
      faceApi: Object.fromEntries(
        FACE_API_EXPRESSION_LABELS.map((label, index) => [label, Number(faceApiOutput[index])]),
      ),
    } as EmotionModelOutputs;
  }

  /** Runs BlazeFace on one square region of the image; detections in image pixels. */
  private async detectIn(image: RgbImage, region: SquareRegion): Promise<FaceCandidate[]> {
    const detectorInput = sampleRegion(image, region, 256, 3).map((value) => value * 2 - 1);
    const heads = await this.detector.run({
      [this.detector.inputNames[0] as string]: new ort.Tensor('float32', detectorInput, [1, 256, 256, 3]),
    });
    const bySize = (count: number) =>
      Object.values(heads).find((tensor) => tensor.data.length === count)?.data as Float32Array;
    const detections = decodeBlazeface(
      {
        logits512: bySize(512),
        regressors512: bySize(512 * 16),
        logits384: bySize(384),
        regressors384: bySize(384 * 16),
      },
      this.options,
    );
    return detections.map((detection) => {
      const [x, y, width, height] = detection.box;
      const [left, top] = regionToImage(region, 256, x, y);
      const [right, bottom] = regionToImage(region, 256, x + width, y + height);
      const eyes = detection.keypoints
        .slice(0, 2)
        .map(([pointX, pointY]) => regionToImage(region, 256, pointX, pointY));
      const [leftmost, rightmost] = [...eyes].sort((a, b) => a[0] - b[0]) as [
        [number, number],
        [number, number],
      ];
      return {
        box: { x: left, y: top, width: right - left, height: bottom - top },
        angle: Math.atan2(rightmost[1] - leftmost[1], rightmost[0] - leftmost[0]),
        score: detection.score,
        source: 'detector' as FaceSource,
      };
    });
  }

  /**
   * Faces of one image: BlazeFace on the whole frame, plus (on frames of 384 px or more where it
   * found no face or a face under an eighth of the frame) on four overlapping tiles of 0.6 the
   * frame, so that small faces of group photos reach the detector's working size, merged by
   * non-maximum suppression. When nothing is found the image is
   * retried padded (centred on a black canvas twice its size: tight crops give the detector the
   * margin it was trained with), and when that fails too the whole frame is taken as one face (an
   * image that is itself a face crop, e.g. 48x48 FER2013).
   */
  private async findFaces(image: RgbImage): Promise<FaceCandidate[]> {
    const side = Math.max(image.width, image.height);
    const centre = { centerX: image.width / 2, centerY: image.height / 2, angle: 0 };
    let found = await this.detectIn(image, { ...centre, size: side });
    // Small faces (group photos) fall under BlazeFace's working size at 256 px: when the frame
    // found none, or found faces under an eighth of the frame, look again on four overlapping tiles.
    const smallest = Math.min(...found.map((face) => Math.max(face.box.width, face.box.height)));
    if (side >= 384 && (found.length === 0 || smallest < side / 8)) {
      const tile = side * 0.6;
      for (const row of [0, 1])
        for (const column of [0, 1]) {
          const region = {
            centerX: column === 0 ? tile / 2 : image.width - tile / 2,
            centerY: row === 0 ? tile / 2 : image.height - tile / 2,
            size: tile,
            angle: 0,
          };
          found.push(...(await this.detectIn(image, region)));
        }
      found = suppressOverlaps(found, this.options.iouThreshold ?? 0.3, this.options.maxFaces ?? 20);
    }
    if (found.length > 0) return found;
    found = (await this.detectIn(image, { ...centre, size: side * 2 })).map((face) => ({
      ...face,
      source: 'padded' as FaceSource,
    }));
    if (found.length > 0) return found;
    return [wholeFrame(image)];
  }

  /** Releases the four onnxruntime sessions. */
  async dispose(): Promise<void> {
    await Promise.all([
      this.detector.release(),
      this.mesh.release(),
      this.classifier.release(),
      this.expression.release(),
    ]);
  }
}
