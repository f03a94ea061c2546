/** Procedural 48x48 "faces", one expression per FER2013 class, for trying the lab without FER2013. Synthetic: not real faces. */
import { Rng } from '../ga/rng';
import {
  IMAGE_SIDE,
  IMAGE_SIZE,
  NUM_CLASSES,
  USAGE_PRIVATE,
  USAGE_PUBLIC,
  USAGE_TRAINING,
  type Dataset,
} from './dataset';

interface Expression {
  /** Brow tilt: positive lowers the inner ends (angry), negative raises them (sad). */
  browTilt: number;
  /** Brow height above the eyes in pixels. */
  browLift: number;
  /** Eye opening (vertical radius). */
  eyeOpen: number;
  /** Mouth curvature: positive smiles, negative frowns. */
  mouthCurve: number;
  /** Mouth opening (vertical radius of an open mouth; 0 draws a line). */
  mouthOpen: number;
  mouthWidth: number;
  /** Asymmetric mouth lift (disgust sneer). */
  sneer: number;
}

// angry, disgust, fear, happy, sad, surprise, neutral
const EXPRESSIONS: readonly Expression[] = [
  { browTilt: 3, browLift: 3, eyeOpen: 1.5, mouthCurve: -1, mouthOpen: 0, mouthWidth: 7, sneer: 0 },
  { browTilt: 2, browLift: 3, eyeOpen: 1, mouthCurve: -2, mouthOpen: 0, mouthWidth: 6, sneer: 3 },
  { browTilt: -2, browLift: 6, eyeOpen: 3, mouthCurve: -1, mouthOpen: 2, mouthWidth: 6, sneer: 0 },
  { browTilt: 0, browLift: 4, eyeOpen: 1.5, mouthCurve: 4, mouthOpen: 0, mouthWidth: 9, sneer: 0 },
  { browTilt: -3, browLift: 4, eyeOpen: 1.5, mouthCurve: -4, mouthOpen: 0, mouthWidth: 7, sneer: 0 },
  { browTilt: 0, browLift: 7, eyeOpen: 3, mouthCurve: 0, mouthOpen: 4, mouthWidth: 4, sneer: 0 },
  { browTilt: 0, browLift: 4, eyeOpen: 2, mouthCurve: 0, mouthOpen: 0, mouthWidth: 7, sneer: 0 },
];

class Canvas {
  readonly px: Float32Array = new Float32Array(IMAGE_SIZE);
  set(x: number, y: number, v: number): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi >= 0 && xi < IMAGE_SIDE && yi >= 0 && yi < IMAGE_SIDE) this.px[yi * IMAGE_SIDE + xi] = v;
  }
  line(x0: number, y0: number, x1: number, y1: number, v: number): void {
    const steps = Math.max(2, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2));
    for (let s = 0; s <= steps; s++) {
      const t = s / steps;
      this.set(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, v);
    }
  }
  ellipse(cx: number, cy: number, rx: number, ry: number, v: number, filled: boolean): void {
    for (let y = Math.floor(cy - ry - 1); y <= cy + ry + 1; y++) {
      for (let x = Math.floor(cx - rx - 1); x <= cx + rx + 1; x++) {
        const d = ((x - cx) / Math.max(rx, 0.5)) ** 2 + ((y - cy) / Math.max(ry, 0.5)) ** 2;
        if (filled ? d <= 1 : Math.abs(d - 1) < 0.35) this.set(x, y, v);
      }
    }
  }
}

/** Draws one face of the given class into `out` (2304 bytes) with random pose, size, lighting and noise. */
export function drawFace(label: number, rng: Rng, out: Uint8Array): void {
  const e = EXPRESSIONS[label];
  if (!e) throw new Error(`no expression for class ${label}`);
  const c = new Canvas();
  const bg = 30 + rng.next() * 60;
  c.px.fill(bg);
  const cx = 24 + rng.normal() * 1.5;
  const cy = 25 + rng.normal() * 1.5;
  const s = 0.9 + rng.next() * 0.2;
  const skin = 120 + rng.next() * 80;
  const dark = skin * (0.2 + rng.next() * 0.2);
  c.ellipse(cx, cy, 17 * s, 21 * s, skin, true);
  const eyeY = cy - 5 * s;
  const eyeDx = 7 * s;
  for (const side of [-1, 1]) {
    const ex = cx + side * eyeDx;
    c.ellipse(ex, eyeY, 2.5 * s, e.eyeOpen * s, dark, true);
    const by = eyeY - e.browLift * s;
    const inner = ex - side * 3 * s;
    const outer = ex + side * 3 * s;
    c.line(inner, by + e.browTilt * 0.6 * s, outer, by - e.browTilt * 0.6 * s, dark);
  }
  c.line(cx, cy - 1 * s, cx - 1 * s, cy + 4 * s, skin * 0.7);
  const my = cy + 10 * s;
  const w = e.mouthWidth * s;
  if (e.mouthOpen > 0) {
    c.ellipse(cx, my, w * 0.6, e.mouthOpen * s, dark, true);
  } else {
    for (let i = -10; i <= 10; i++) {
      const t = i / 10;
      const x = cx + t * w;
      const lift = e.sneer * s * Math.max(0, t);
      const y = my - e.mouthCurve * s * (t * t - 0.5) * 0.8 - lift;
      c.set(x, y, dark);
      c.set(x, y + 1, dark);
    }
  }
  const contrast = 0.8 + rng.next() * 0.4;
  for (let i = 0; i < IMAGE_SIZE; i++) {
    const v = ((c.px[i] ?? 0) - 128) * contrast + 128 + rng.normal() * 8;
    out[i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
  }
}

/** A balanced synthetic dataset: `perClass` faces for each class, split 70/15/15 into Training/PublicTest/PrivateTest. */
export function syntheticDataset(perClass: number, seed = 1): Dataset {
  const rng = Rng.fromSeed(seed);
  const count = perClass * NUM_CLASSES;
  const images = new Uint8Array(count * IMAGE_SIZE);
  const labels = new Uint8Array(count);
  const usage = new Uint8Array(count);
  const nTrain = Math.max(1, Math.round(perClass * 0.7));
  const nVal = Math.max(1, Math.round(perClass * 0.15));
  let row = 0;
  for (let label = 0; label < NUM_CLASSES; label++) {
    for (let k = 0; k < perClass; k++, row++) {
      drawFace(label, rng, images.subarray(row * IMAGE_SIZE, (row + 1) * IMAGE_SIZE));
      labels[row] = label;
      usage[row] = k < nTrain ? USAGE_TRAINING : k < nTrain + nVal ? USAGE_PUBLIC : USAGE_PRIVATE;
    }
  }
  return { name: `synthetic sample (${perClass} per class)`, synthetic: true, count, images, labels, usage };
}
