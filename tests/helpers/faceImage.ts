/**
 * A face drawn for the tests, never a photo: a shaded head with hair, brows, eyes, nose and mouth on a plain
 * background, rendered analytically (anti-aliased shapes) so every run makes the same bytes. The face detector the lab
 * uses finds it (tests/unit/ml/face-detect.test.ts checks that), so it can stand in for a person in front of a camera:
 * written as a Y4M video for Chromium's fake camera, or as a BMP for the image upload.
 */
import { writeFileSync } from 'node:fs';

/** An RGB image, 3 bytes a pixel, row-major. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

/** Where the drawn face is, in pixels: the head ellipse's centre and radii. */
export interface DrawnFace {
  readonly cx: number;
  readonly cy: number;
  readonly rx: number;
  readonly ry: number;
}

type Rgb = readonly [number, number, number];

/** 0 outside, 1 inside, a 1.5-pixel ramp on the edge of a shape whose signed distance is `d` (negative inside). */
const cover = (d: number): number => Math.min(1, Math.max(0, 0.5 - d / 1.5));

/** Approximate signed distance to an ellipse, in pixels. */
function ellipse(x: number, y: number, cx: number, cy: number, rx: number, ry: number): number {
  const k = Math.hypot((x - cx) / rx, (y - cy) / ry);
  return (k - 1) * Math.min(rx, ry);
}

/** Distance to the segment (x0,y0)-(x1,y1) minus half its width: a thick stroke. */
function stroke(x: number, y: number, x0: number, y0: number, x1: number, y1: number, width: number): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const t = Math.min(1, Math.max(0, ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy)) - width / 2;
}

/** Draws the face into a `width` x `height` RGB image; `shift` moves it sideways (pixels), `smile` curves the mouth (-1..1). */
export function drawTestFace(
  width = 640,
  height = 480,
  opts: { shift?: number; smile?: number; scale?: number } = {},
): RgbImage & { face: DrawnFace } {
  const s = (opts.scale ?? 1) * (height / 480);
  const smile = opts.smile ?? 0.6;
  const cx = width / 2 + (opts.shift ?? 0);
  const cy = height * 0.47;
  const rx = 92 * s;
  const ry = 118 * s;
  const rgb = new Uint8Array(width * height * 3);
  const skin: Rgb = [222, 170, 138];
  const hair: Rgb = [52, 36, 26];
  const eyeY = cy - 18 * s;
  const eyeDx = 38 * s;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Background: a soft vertical gradient.
      let c: [number, number, number] = [120 - (y / height) * 30, 128 - (y / height) * 30, 138 - (y / height) * 25];
      const paint = (col: Rgb, a: number): void => {
        if (a <= 0) return;
        c = [c[0] + (col[0] - c[0]) * a, c[1] + (col[1] - c[1]) * a, c[2] + (col[2] - c[2]) * a];
      };
      // Neck, shoulders, hair behind the head, ears, then the face.
      paint([200, 150, 120], cover(Math.max(Math.abs(x - cx) - 45 * s, cy + 90 * s - y, y - (cy + 175 * s))));
      paint([46, 58, 92], cover(ellipse(x, y, cx, cy + 250 * s, 210 * s, 110 * s)));
      paint(hair, cover(ellipse(x, y, cx, cy - 22 * s, rx * 1.12, ry * 1.02)));
      paint([205, 152, 122], cover(ellipse(x, y, cx - rx * 0.98, cy + 2 * s, 14 * s, 26 * s)));
      paint([205, 152, 122], cover(ellipse(x, y, cx + rx * 0.98, cy + 2 * s, 14 * s, 26 * s)));
      const face = cover(ellipse(x, y, cx, cy + 6 * s, rx, ry * 0.95));
      if (face > 0) {
        // Darker towards the edges of the face, as a lit rounded head is.
        const r2 = ((x - cx) / rx) ** 2 + ((y - cy - 6 * s) / (ry * 0.95)) ** 2;
        const shade = 1 - 0.32 * r2;
        paint([skin[0] * shade, skin[1] * shade, skin[2] * shade], face);
        // Hairline over the forehead.
        paint(hair, cover(ellipse(x, y, cx, cy - ry * 0.88, rx * 1.05, ry * 0.38)) * face);
      }
      for (const side of [-1, 1]) {
        const ex = cx + side * eyeDx;
        // Eye socket shadow, brow, white, iris, pupil, upper lid.
        paint([150, 104, 84], 0.45 * cover(ellipse(x, y, ex, eyeY - 2 * s, 27 * s, 16 * s)));
        paint(
          [60, 42, 30],
          cover(stroke(x, y, ex - side * 20 * s, eyeY - 26 * s, ex + side * 22 * s, eyeY - 23 * s, 7 * s)),
        );
        paint([238, 236, 230], cover(ellipse(x, y, ex, eyeY, 18 * s, 8.5 * s)));
        paint(
          [78, 54, 36],
          cover(ellipse(x, y, ex, eyeY, 7.5 * s, 7.5 * s)) * cover(ellipse(x, y, ex, eyeY, 18 * s, 8.5 * s)),
        );
        paint([12, 10, 10], cover(ellipse(x, y, ex, eyeY, 3.5 * s, 3.5 * s)));
        paint(
          [40, 28, 24],
          cover(Math.max(ellipse(x, y, ex, eyeY, 19 * s, 9.5 * s), -ellipse(x, y, ex, eyeY + 2 * s, 19 * s, 9 * s))),
        );
      }
      // Nose: shadows along its sides, a lit tip, nostrils.
      paint([170, 118, 94], 0.7 * cover(stroke(x, y, cx - 9 * s, eyeY + 8 * s, cx - 13 * s, cy + 32 * s, 5 * s)));
      paint([180, 126, 100], 0.5 * cover(stroke(x, y, cx + 9 * s, eyeY + 8 * s, cx + 13 * s, cy + 32 * s, 4 * s)));
      paint([236, 190, 160], 0.6 * cover(ellipse(x, y, cx, cy + 30 * s, 9 * s, 7 * s)));
      paint([90, 56, 46], cover(ellipse(x, y, cx - 9 * s, cy + 41 * s, 5 * s, 3 * s)));
      paint([90, 56, 46], cover(ellipse(x, y, cx + 9 * s, cy + 41 * s, 5 * s, 3 * s)));
      // Mouth: lips with a dark line whose ends rise with `smile`.
      const mouthY = cy + 70 * s;
      const mx = (x - cx) / (34 * s);
      const curve = mouthY - smile * 10 * s * mx * mx;
      paint([176, 86, 84], Math.abs(mx) <= 1 ? cover(Math.abs(y - curve) - 7 * s) : 0);
      paint([70, 26, 28], Math.abs(mx) <= 1.02 ? cover(Math.abs(y - curve) - 1.6 * s) : 0);
      const o = (y * width + x) * 3;
      rgb[o] = Math.round(c[0]);
      rgb[o + 1] = Math.round(c[1]);
      rgb[o + 2] = Math.round(c[2]);
    }
  }
  return { width, height, rgb, face: { cx, cy: cy + 6 * s, rx, ry: ry * 0.95 } };
}

/** The RGB image as RGBA bytes (alpha 255), as a canvas's getImageData gives it. */
export function toRgba(image: RgbImage): Uint8ClampedArray {
  const n = image.width * image.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    out[i * 4] = image.rgb[i * 3] as number;
    out[i * 4 + 1] = image.rgb[i * 3 + 1] as number;
    out[i * 4 + 2] = image.rgb[i * 3 + 2] as number;
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** A 24-bit BMP file of the image (browsers decode it like any photo). */
export function bmpFile(image: RgbImage): Buffer {
  const { width, height, rgb } = image;
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + rowBytes * height;
  const out = Buffer.alloc(size);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(size, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(rowBytes * height, 34);
  for (let y = 0; y < height; y++) {
    // BMP rows run bottom-up, pixels as B, G, R.
    const row = 54 + (height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      out[row + x * 3] = rgb[i + 2] as number;
      out[row + x * 3 + 1] = rgb[i + 1] as number;
      out[row + x * 3 + 2] = rgb[i] as number;
    }
  }
  return out;
}

/**
 * Writes `frames` as a Y4M video (4:2:0, BT.601 studio range, 5 frames per second), the format Chromium's
 * --use-file-for-fake-video-capture plays in a loop as the camera.
 */
export function writeY4m(file: string, frames: readonly RgbImage[]): void {
  const first = frames[0];
  if (!first) throw new Error('no frames');
  const { width, height } = first;
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F5:1 Ip A1:1 C420jpeg\n`, 'ascii')];
  const cw = width >> 1;
  const ch = height >> 1;
  for (const f of frames) {
    const y = Buffer.alloc(width * height);
    const u = Buffer.alloc(cw * ch);
    const v = Buffer.alloc(cw * ch);
    for (let i = 0; i < width * height; i++) {
      const r = f.rgb[i * 3] as number;
      const g = f.rgb[i * 3 + 1] as number;
      const b = f.rgb[i * 3 + 2] as number;
      y[i] = Math.round(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
    }
    for (let cy = 0; cy < ch; cy++) {
      for (let cx = 0; cx < cw; cx++) {
        let r = 0;
        let g = 0;
        let b = 0;
        for (const [dx, dy] of [
          [0, 0],
          [1, 0],
          [0, 1],
          [1, 1],
        ] as const) {
          const i = ((cy * 2 + dy) * width + cx * 2 + dx) * 3;
          r += f.rgb[i] as number;
          g += f.rgb[i + 1] as number;
          b += f.rgb[i + 2] as number;
        }
        r /= 4;
        g /= 4;
        b /= 4;
        u[cy * cw + cx] = Math.round(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
        v[cy * cw + cx] = Math.round(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
      }
    }
    parts.push(Buffer.from('FRAME\n', 'ascii'), y, u, v);
  }
  writeFileSync(file, Buffer.concat(parts));
}
