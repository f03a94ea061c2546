import { describe, expect, it } from 'vitest';
import { centreSquare, FER_FRAMING, ferCropSquare, grayCrop } from '../../../src/data/faceCrop';

/** An RGBA image whose pixel (x, y) has the colour `f(x, y)`. */
function image(
  width: number,
  height: number,
  f: (x: number, y: number) => [number, number, number],
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = f(x, y);
      out.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return out;
}

describe('grayCrop', () => {
  it('converts colour to BT.601 luma', () => {
    const px = grayCrop(
      image(10, 10, () => [200, 100, 50]),
      10,
      10,
      { x: 0, y: 0, side: 10 },
    );
    expect(px).toHaveLength(2304);
    expect(new Set(px)).toEqual(new Set([Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50)]));
  });

  it('averages the area each output pixel covers (2x2 blocks of a 96x96 image)', () => {
    const rgba = image(96, 96, (x, y) => {
      const v = (x * 7 + y * 13) % 256;
      return [v, v, v];
    });
    const px = grayCrop(rgba, 96, 96, { x: 0, y: 0, side: 96 });
    for (const [ox, oy] of [
      [0, 0],
      [5, 9],
      [47, 47],
      [20, 33],
    ] as const) {
      let sum = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const)
        sum += ((ox * 2 + dx) * 7 + (oy * 2 + dy) * 13) % 256;
      expect(px[oy * 48 + ox]).toBe(Math.round(sum / 4));
    }
  });

  it('weighs partly covered pixels by their overlap (a 72-pixel ramp into 48 cells)', () => {
    const px = grayCrop(
      image(72, 72, (x) => [x * 3, x * 3, x * 3]),
      72,
      72,
      { x: 0, y: 0, side: 72 },
    );
    // Cell 1 covers [1.5, 3): half of pixel 1 and all of pixel 2.
    expect(px[1]).toBe(Math.round((0.5 * 3 + 1 * 6) / 1.5));
    expect(px[0]).toBe(Math.round((1 * 0 + 0.5 * 3) / 1.5));
  });

  it('repeats the edge pixels past the image, and takes the crop from where the square is', () => {
    const rgba = image(20, 10, (x) => (x < 10 ? [0, 0, 0] : [255, 255, 255]));
    const left = grayCrop(rgba, 20, 10, { x: -30, y: -5, side: 20 });
    expect(Math.max(...left)).toBe(0);
    const right = grayCrop(rgba, 20, 10, { x: 15, y: 0, side: 30 });
    expect(Math.min(...right)).toBe(255);
    const both = grayCrop(rgba, 20, 10, { x: 0, y: 0, side: 20 });
    expect([both[0], both[47]]).toEqual([0, 255]);
  });

  it('refuses a frame too short for its size and an empty square', () => {
    expect(() => grayCrop(new Uint8ClampedArray(10), 10, 10, { x: 0, y: 0, side: 10 })).toThrow(
      'expected 10x10 RGBA pixels',
    );
    expect(() =>
      grayCrop(
        image(4, 4, () => [0, 0, 0]),
        4,
        4,
        { x: 0, y: 0, side: 0 },
      ),
    ).toThrow('the crop is empty');
  });
});

describe('the FER2013 framing', () => {
  it('is a square of scale x the box, moved by (dx, dy) of its side', () => {
    const sq = ferCropSquare({ x: 100, y: 50, width: 80, height: 100 }, { scale: 1.5, dx: 0.1, dy: -0.2 });
    expect(sq.side).toBe(150);
    expect(sq.x + sq.side / 2).toBeCloseTo(140 + 15, 9);
    expect(sq.y + sq.side / 2).toBeCloseTo(100 - 30, 9);
    const fer = ferCropSquare({ x: 0, y: 0, width: 100, height: 100 });
    expect(fer.side).toBeCloseTo(100 * FER_FRAMING.scale, 9);
  });

  it('falls back to the centre square of the image', () => {
    expect(centreSquare(640, 480)).toEqual({ x: 80, y: 0, side: 480 });
    expect(centreSquare(30, 50)).toEqual({ x: 0, y: 10, side: 30 });
  });
});
