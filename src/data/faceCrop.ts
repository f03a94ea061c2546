/**
 * A detected face turned into a FER2013-like image: the square around the face box that FER2013's framing implies,
 * scaled to 48x48 by area averaging, in grayscale (ITU-R BT.601 luma, as the lab has always converted photos). Pure: it
 * works on RGBA bytes, so the worker, the CLI and the tests share it.
 */
import { IMAGE_SIDE, IMAGE_SIZE } from './dataset';

/** A face box in image pixels (top-left corner, size). */
export interface FaceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A square region of an image in pixels; it may reach past the image's edges. */
export interface CropSquare {
  readonly x: number;
  readonly y: number;
  readonly side: number;
}

/**
 * How FER2013 frames a face, relative to the box the face detector (src/ml/faceDetector.ts) puts around it: the crop's
 * side is `scale` times the box's longer side, and its centre is the box's centre moved by (`dx`, `dy`) crop sides.
 * Measured by running the detector on FER2013's own images (`npm run bench -- webcam` reports the figures): there the
 * box's side is a median 1.0 of the image's side (this detector's box already takes in the forehead and chin, so the
 * margin around it is nil), centred 0.03 of a side left of and 0.08 below the image's centre.
 */
export const FER_FRAMING = { scale: 1.0, dx: 0.03, dy: -0.08 } as const;

/** The square that frames `box` as FER2013 frames its faces. */
export function ferCropSquare(
  box: FaceBox,
  framing: { scale: number; dx: number; dy: number } = FER_FRAMING,
): CropSquare {
  const boxSide = Math.max(box.width, box.height);
  const side = boxSide * framing.scale;
  const cx = box.x + box.width / 2 + framing.dx * side;
  const cy = box.y + box.height / 2 + framing.dy * side;
  return { x: cx - side / 2, y: cy - side / 2, side };
}

/** The centre square of a `width` x `height` image (the crop when no face is found). */
export function centreSquare(width: number, height: number): CropSquare {
  const side = Math.min(width, height);
  return { x: (width - side) / 2, y: (height - side) / 2, side };
}

/**
 * The 48x48 grayscale image (2304 bytes, row-major) of `square` in an RGBA image; `rgba` is not modified. Each output
 * pixel is the area-weighted mean of the source pixels it covers, so a large face shrinks without aliasing; past the
 * image's edges the nearest edge pixel is repeated.
 */
export function grayCrop(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  square: CropSquare,
): Uint8Array {
  if (width < 1 || height < 1 || rgba.length < width * height * 4)
    throw new Error(`expected ${width}x${height} RGBA pixels, got ${rgba.length} bytes`);
  if (!(square.side > 0)) throw new Error('the crop is empty');
  const step = square.side / IMAGE_SIDE;
  // Per output column (and row): the source pixels it covers with their weights; shared by every row (column).
  const xs = spans(square.x, step, width);
  const ys = spans(square.y, step, height);
  const out = new Uint8Array(IMAGE_SIZE);
  for (let oy = 0; oy < IMAGE_SIDE; oy++) {
    const ry = ys[oy] as Span;
    for (let ox = 0; ox < IMAGE_SIDE; ox++) {
      const rx = xs[ox] as Span;
      let sum = 0;
      let wsum = 0;
      for (let j = 0; j < ry.index.length; j++) {
        const row = (ry.index[j] as number) * width;
        const wy = ry.weight[j] as number;
        for (let i = 0; i < rx.index.length; i++) {
          const p = (row + (rx.index[i] as number)) * 4;
          const w = wy * (rx.weight[i] as number);
          sum += w * (0.299 * (rgba[p] as number) + 0.587 * (rgba[p + 1] as number) + 0.114 * (rgba[p + 2] as number));
          wsum += w;
        }
      }
      out[oy * IMAGE_SIDE + ox] = Math.min(255, Math.max(0, Math.round(sum / wsum)));
    }
  }
  return out;
}

interface Span {
  readonly index: Int32Array;
  readonly weight: Float64Array;
}

/** For each of the 48 output cells of width `step` starting at `start`: the source pixels it overlaps (clamped to 0..size-1) and by how much. */
function spans(start: number, step: number, size: number): Span[] {
  const out: Span[] = [];
  for (let o = 0; o < IMAGE_SIDE; o++) {
    const a = start + o * step;
    const b = a + step;
    const first = Math.floor(a);
    const last = Math.max(first, Math.ceil(b) - 1);
    const n = last - first + 1;
    const index = new Int32Array(n);
    const weight = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const px = first + k;
      index[k] = Math.min(size - 1, Math.max(0, px));
      weight[k] = Math.max(0, Math.min(b, px + 1) - Math.max(a, px));
    }
    out.push({ index, weight });
  }
  return out;
}
