import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuId, Emotion } from '@facial-r1/facs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { convertTfjsModelCached } from '../convert/converted-model-cache';
import { ImageDecodeError } from '../errors';
import { humanModelsDirectory } from '../shipped-assets';
import { combineEmotions, type EmotionEstimate } from './combine-emotions';
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
}

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
  /** Detector box in image pixels. */
  box: { x: number; y: number; width: number; height: number };
  /** Detector confidence. */
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
 * The face pipeline: BlazeFace detection (anchor decoding, NMS), roll alignment from the eye
 * line, 468-point FaceMesh, geometric AU estimates, the 7-class emotion CNN combined with the
 * FACS rules, and the composed reasoning. Models are Human's TFJS graph models converted to ONNX
 * (cached) and run on onnxruntime-node; images are decoded with sharp.
 */
export class FaceAnalyzer {
  private constructor(
    private readonly detector: ort.InferenceSession,
    private readonly mesh: ort.InferenceSession,
    private readonly classifier: ort.InferenceSession,
    private readonly options: FaceAnalyzerOptions,
  ) {}

  /** Converts (or loads from the cache) the three models and opens their sessions. */
  static async create(options: FaceAnalyzerOptions = {}): Promise<FaceAnalyzer> {
    const directory = options.modelsDirectory ?? humanModelsDirectory();
    const open = async (name: string) => {
      const { path } = await convertTfjsModelCached(join(directory, `${name}.json`), {
        cacheDir: options.cacheDir,
      });
      return ort.InferenceSession.create(path, sessionOptions(options.threads ?? 1));
    };
    const [detector, mesh, classifier] = await Promise.all([
      open('blazeface'),
      open('facemesh'),
      open('emotion'),
    ]);
    return new FaceAnalyzer(detector, mesh, classifier, options);
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
    const whole: SquareRegion = {
      centerX: image.width / 2,
      centerY: image.height / 2,
      size: Math.max(image.width, image.height),
      angle: 0,
    };
    const detectorInput = sampleRegion(image, whole, 256, 3).map((value) => value * 2 - 1);
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
    timings.detect = now() - start;

    const faces: FaceAnalysis[] = [];
    for (const detection of detections) {
      start = now();
      const [x, y, width, height] = detection.box;
      const [topLeftX, topLeftY] = regionToImage(whole, 256, x, y);
      const [bottomRightX, bottomRightY] = regionToImage(whole, 256, x + width, y + height);
      const eyes = detection.keypoints
        .slice(0, 2)
        .map(([pointX, pointY]) => regionToImage(whole, 256, pointX, pointY));
      const [leftmost, rightmost] = [...eyes].sort((a, b) => a[0] - b[0]) as [
        [number, number],
        [number, number],
      ];
      const angle = Math.atan2(rightmost[1] - leftmost[1], rightmost[0] - leftmost[0]);
      const boxWidth = bottomRightX - topLeftX;
      const boxHeight = bottomRightY - topLeftY;
      const meshRegion: SquareRegion = {
        centerX: topLeftX + boxWidth / 2,
        centerY: topLeftY + boxHeight / 2,
        size: Math.max(boxWidth, boxHeight) * 1.5,
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
      if (meshScore < (this.options.minMeshConfidence ?? 0.5)) continue;
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
      const emotionRegion: SquareRegion = {
        centerX: meshRegion.centerX + centreLocalX * Math.cos(angle) - centreLocalY * Math.sin(angle),
        centerY: meshRegion.centerY + centreLocalX * Math.sin(angle) + centreLocalY * Math.cos(angle),
        size: Math.max(maxX - minX, maxY - minY),
        angle,
      };
      const gray = sampleRegion(image, emotionRegion, 64, 1).map((value) => (value - 0.5) * 2);
      const emotionOutputs = await this.classifier.run({
        [this.classifier.inputNames[0] as string]: new ort.Tensor('float32', gray, [1, 64, 64, 1]),
      });
      const cnnOutput = Object.values(emotionOutputs)[0]?.data as Float32Array;
      timings.emotion += now() - start;

      start = now();
      const actionUnits = estimateActionUnits(landmarks);
      const presentAus = actionUnits
        .filter((estimate) => estimate.present)
        .map((estimate) => estimate.au)
        .sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
      const emotion = combineEmotions(cnnOutput, presentAus);
      const reasoning = composeReasoning(emotion.label as Emotion, emotion.citedAus, actionUnits);
      timings.reasoning += now() - start;
      faces.push({
        box: { x: topLeftX, y: topLeftY, width: boxWidth, height: boxHeight },
        detectionScore: detection.score,
        meshScore,
        rollDegrees: (angle * 180) / Math.PI,
        landmarks,
        actionUnits,
        presentAus,
        emotion,
        reasoning,
      });
    }
    return { width: image.width, height: image.height, faces, timings };
  }

  /** Releases the three onnxruntime sessions. */
  async dispose(): Promise<void> {
    await Promise.all([this.detector.release(), this.mesh.release(), this.classifier.release()]);
  }
}
