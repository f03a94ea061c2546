/** A grid of sample faces per class, drawn on a canvas. */
import { useEffect, useRef } from 'react';
import { CLASS_NAMES } from '../data/dataset';
import type { DatasetSummary } from '../worker/api';

const SIDE = 48;

export function FaceGrid({ samples }: { samples: DatasetSummary['samples'] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const cols = Math.max(1, ...samples.map((s) => s.length));
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, cols * SIDE, samples.length * SIDE);
    const img = ctx.createImageData(SIDE, SIDE);
    samples.forEach((row, r) =>
      row.forEach((pixels, c) => {
        for (let i = 0; i < SIDE * SIDE; i++) {
          const v = pixels[i] ?? 0;
          img.data[i * 4] = v;
          img.data[i * 4 + 1] = v;
          img.data[i * 4 + 2] = v;
          img.data[i * 4 + 3] = 255;
        }
        ctx.putImageData(img, c * SIDE, r * SIDE);
      }),
    );
  }, [samples, cols]);
  return (
    <figure className="faces">
      {/* Focusable, so a keyboard can scroll the faces when they are wider than the panel. */}
      <div className="face-grid" tabIndex={0} role="region" aria-label="Sample faces per class">
        <ol className="face-labels" aria-hidden="true">
          {CLASS_NAMES.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ol>
        <canvas
          ref={ref}
          width={cols * SIDE}
          height={samples.length * SIDE}
          role="img"
          aria-label={`Sample faces: ${cols} per class, one row per emotion`}
          data-testid="face-grid"
        />
      </div>
    </figure>
  );
}
