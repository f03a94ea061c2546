/**
 * Face detection for Try the model: the "tiny face detector" of @vladmandic/face-api (MIT; a 190 KB quantized
 * separable-convolution Tiny YOLOv2 trained on faces), whose weights ship in that npm package and are served by the app
 * itself. Only the weights come from the package: the network is rebuilt here on our own tfjs, so it runs on the
 * backend that trains (wasm here) with no other copy of tfjs. The forward pass, box decoding and non-maximum suppression
 * follow face-api's TinyYolov2Base, TinyFaceDetector and nonMaxSuppression.
 */
import * as tf from '@tensorflow/tfjs';
import type { FaceBox } from '../data/faceCrop';

/** The manifest's one weight group, as `tiny_face_detector_model-weights_manifest.json` holds it. */
export type DetectorManifest = tf.io.WeightsManifestConfig;

/** Side of the square the image is scaled to; a multiple of 32. 224 finds faces down to ~1/10 of the image's longer side. */
export const DETECTOR_INPUT = 224;
/** Detections below this score are dropped (face-api's default). */
export const DETECTOR_MIN_SCORE = 0.5;
const IOU_THRESHOLD = 0.4;
const MEAN_RGB = [117.001, 114.697, 97.404] as const;
const ANCHORS: readonly (readonly [number, number])[] = [
  [1.603231, 2.094468],
  [6.041143, 7.080126],
  [2.882459, 3.518061],
  [4.266906, 5.178857],
  [9.041765, 10.66308],
];
/** Box x, y, w, h and the objectness score per anchor (one class: no class scores). */
const BOX_ENCODING = 5;

/** A detected face in image pixels with its score (0..1). */
export interface Detection extends FaceBox {
  readonly score: number;
}

interface SeparableConv {
  readonly depthwise: tf.Tensor4D;
  readonly pointwise: tf.Tensor4D;
  readonly bias: tf.Tensor1D;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The detector's weights in tensors; `dispose` frees them. */
export class FaceDetector {
  private constructor(
    private readonly conv0: { readonly filters: tf.Tensor4D; readonly bias: tf.Tensor1D },
    private readonly separable: readonly SeparableConv[],
    private readonly conv8: { readonly filters: tf.Tensor4D; readonly bias: tf.Tensor1D },
  ) {}

  /** Decodes the package's manifest and weights file (uint8-quantized) into tensors. */
  static fromWeights(manifest: DetectorManifest, weights: ArrayBuffer): FaceDetector {
    const specs = manifest.flatMap((group) => group.weights);
    const map = tf.io.decodeWeights(weights, specs);
    const take = <T extends tf.Tensor>(name: string, rank: number): T => {
      const t = map[name];
      if (!t || t.rank !== rank) throw new Error(`face detector weights: ${name} is missing or has the wrong shape`);
      return t as T;
    };
    const separable = [1, 2, 3, 4, 5].map((i) => ({
      depthwise: take<tf.Tensor4D>(`conv${i}/depthwise_filter`, 4),
      pointwise: take<tf.Tensor4D>(`conv${i}/pointwise_filter`, 4),
      bias: take<tf.Tensor1D>(`conv${i}/bias`, 1),
    }));
    return new FaceDetector({ filters: take('conv0/filters', 4), bias: take('conv0/bias', 1) }, separable, {
      filters: take('conv8/filters', 4),
      bias: take('conv8/bias', 1),
    });
  }

  /**
   * The faces in an RGBA image (`rgba` row-major, 4 bytes a pixel, not modified), best first, in image pixels.
   * `inputSize` must be a multiple of 32.
   */
  async detect(
    rgba: Uint8Array | Uint8ClampedArray,
    width: number,
    height: number,
    inputSize = DETECTOR_INPUT,
    minScore = DETECTOR_MIN_SCORE,
  ): Promise<Detection[]> {
    if (width < 1 || height < 1 || rgba.length < width * height * 4)
      throw new Error(`expected ${width}x${height} RGBA pixels, got ${rgba.length} bytes`);
    if (inputSize % 32 !== 0) throw new Error(`the detector's input size must be a multiple of 32, not ${inputSize}`);
    const input = detectorInput(rgba, width, height, inputSize);
    const out = tf.tidy(() => this.forward(tf.tensor4d(input, [1, inputSize, inputSize, 3])));
    let raw: Float32Array;
    try {
      raw = (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
    const cells = out.shape[1];
    // The image sits in the top-left of the padded square; boxes are rescaled to be relative to the image itself.
    const scale = inputSize / Math.max(width, height);
    const fx = inputSize / Math.round(width * scale);
    const fy = inputSize / Math.round(height * scale);
    const found: { x: number; y: number; w: number; h: number; score: number }[] = [];
    for (let row = 0; row < cells; row++) {
      for (let col = 0; col < cells; col++) {
        for (let a = 0; a < ANCHORS.length; a++) {
          const o = ((row * cells + col) * ANCHORS.length + a) * BOX_ENCODING;
          const score = sigmoid(raw[o + 4] as number);
          if (score <= minScore) continue;
          const [ax, ay] = ANCHORS[a] as readonly [number, number];
          const cx = ((col + sigmoid(raw[o] as number)) / cells) * fx;
          const cy = ((row + sigmoid(raw[o + 1] as number)) / cells) * fy;
          const w = ((Math.exp(raw[o + 2] as number) * ax) / cells) * fx;
          const h = ((Math.exp(raw[o + 3] as number) * ay) / cells) * fy;
          found.push({ x: cx - w / 2, y: cy - h / 2, w, h, score });
        }
      }
    }
    return suppress(found).map((f) => ({
      x: f.x * width,
      y: f.y * height,
      width: f.w * width,
      height: f.h * height,
      score: f.score,
    }));
  }

  /** Frees the weights. */
  dispose(): void {
    const all: tf.Tensor[] = [this.conv0.filters, this.conv0.bias, this.conv8.filters, this.conv8.bias];
    for (const s of this.separable) all.push(s.depthwise, s.pointwise, s.bias);
    tf.dispose(all);
  }

  private forward(input: tf.Tensor4D): tf.Tensor4D {
    const leaky = (t: tf.Tensor4D): tf.Tensor4D => tf.leakyRelu(t, 0.1);
    let x = tf.maxPool(leaky(tf.add(tf.conv2d(input, this.conv0.filters, 1, 'valid'), this.conv0.bias)), 2, 2, 'same');
    this.separable.forEach((s, i) => {
      const padded = tf.pad(x, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]);
      x = leaky(tf.add(tf.separableConv2d(padded, s.depthwise, s.pointwise, 1, 'valid'), s.bias));
      // Five separable blocks; the pooling after the last keeps the grid size (stride 1).
      x = tf.maxPool(x, 2, i < 4 ? 2 : 1, 'same');
    });
    return tf.add(tf.conv2d(x, this.conv8.filters, 1, 'valid'), this.conv8.bias);
  }
}

/**
 * The network's input: the image padded with black at its bottom or right to a square, scaled to `size` x `size` with
 * tf.image.resizeBilinear's sampling (no corner alignment, no half-pixel centres), mean-subtracted and divided by 255,
 * as face-api prepares it. Done here in one pass over the output rather than with tensors over the whole frame.
 */
function detectorInput(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  size: number,
): Float32Array {
  const side = Math.max(width, height);
  const ratio = side / size;
  const out = new Float32Array(size * size * 3);
  const sample = (x: number, y: number, c: number): number =>
    x < width && y < height ? (rgba[(y * width + x) * 4 + c] as number) : 0;
  for (let oy = 0; oy < size; oy++) {
    const sy = oy * ratio;
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, side - 1);
    const fy = sy - y0;
    for (let ox = 0; ox < size; ox++) {
      const sx = ox * ratio;
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, side - 1);
      const fx = sx - x0;
      const o = (oy * size + ox) * 3;
      for (let c = 0; c < 3; c++) {
        const top = sample(x0, y0, c) + (sample(x1, y0, c) - sample(x0, y0, c)) * fx;
        const bottom = sample(x0, y1, c) + (sample(x1, y1, c) - sample(x0, y1, c)) * fx;
        out[o + c] = (top + (bottom - top) * fy - (MEAN_RGB[c] as number)) / 255;
      }
    }
  }
  return out;
}

/** Greedy non-maximum suppression over relative boxes: keeps the best, drops those overlapping it by IoU > 0.4. */
function suppress<T extends { x: number; y: number; w: number; h: number; score: number }>(boxes: T[]): T[] {
  const order = [...boxes].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const box of order) {
    if (kept.every((k) => iou(k, box) <= IOU_THRESHOLD)) kept.push(box);
  }
  return kept;
}

function iou(
  a: { x: number; y: number; w: number; h: number },
  b: { x: number; y: number; w: number; h: number },
): number {
  const iw = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const ih = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = iw * ih;
  return inter / (a.w * a.h + b.w * b.h - inter);
}
