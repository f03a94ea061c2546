/** Try the best model: a face image is centre-cropped to a 48x48 grayscale square, shown, and classified in the worker. */
import { useRef, useState } from 'react';
import { useLab } from '../store';
import { finalActive } from '../store/selectors';
import { CLASS_NAMES } from '../data/dataset';
import { pct } from '../experiment/format';

const SIDE = 48;

/** Draws the centre square of an image into the 48x48 canvas and returns its grayscale pixels (ITU-R BT.601 luma). */
function toGray(canvas: HTMLCanvasElement, image: CanvasImageSource, width: number, height: number): Uint8Array {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser cannot draw on a canvas');
  const side = Math.min(width, height);
  ctx.drawImage(image, (width - side) / 2, (height - side) / 2, side, side, 0, 0, SIDE, SIDE);
  const rgba = ctx.getImageData(0, 0, SIDE, SIDE);
  const gray = new Uint8Array(SIDE * SIDE);
  for (let i = 0; i < gray.length; i++) {
    const v = Math.round(0.299 * (rgba.data[i * 4] ?? 0) + 0.587 * (rgba.data[i * 4 + 1] ?? 0) + 0.114 * (rgba.data[i * 4 + 2] ?? 0));
    gray[i] = v;
    rgba.data[i * 4] = v;
    rgba.data[i * 4 + 1] = v;
    rgba.data[i * 4 + 2] = v;
  }
  // Show exactly what the model sees.
  ctx.putImageData(rgba, 0, 0);
  return gray;
}

export function TryModel({ onPredict }: { onPredict: (pixels: Uint8Array) => Promise<number[]> }) {
  const status = useLab((s) => s.status);
  // The worker's model: this tab's run's, or the final network a saved run on view kept; none for other saved runs.
  const modelSource = useLab((s) => s.modelSource);
  const viewing = useLab((s) => s.viewing !== null);
  const finalResult = useLab((s) => s.final.result);
  const finalBusy = useLab(finalActive);
  const canvas = useRef<HTMLCanvasElement>(null);
  // The probabilities with the model that gave them: a new model (trained longer) hides the old model's answer.
  const [answer, setAnswer] = useState<{ probs: number[]; source: typeof modelSource; final: typeof finalResult } | null>(null);
  const probs = answer !== null && answer.source === modelSource && answer.final === finalResult ? answer.probs : null;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ready = (status === 'done' || status === 'stopped') && modelSource !== null && !finalBusy;
  const which = modelSource === 'final' ? 'final model (trained longer)' : 'best model';

  const onFile = async (file: File | undefined): Promise<void> => {
    if (!file || !canvas.current) return;
    setBusy(true);
    setError(null);
    try {
      const bitmap = await createImageBitmap(file);
      const pixels = toGray(canvas.current, bitmap, bitmap.width, bitmap.height);
      bitmap.close();
      setAnswer({ probs: await onPredict(pixels), source: modelSource, final: finalResult });
    } catch (e) {
      setAnswer(null);
      setError(`Could not classify ${file.name}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };

  const top = probs ? probs.indexOf(Math.max(...probs)) : -1;
  return (
    <section className="panel" aria-labelledby="try-title">
      <h2 id="try-title">Try the model</h2>
      <div className="field">
        <label htmlFor="try-image">Face image</label>
        <input id="try-image" type="file" accept="image/*" disabled={!ready || busy} aria-describedby="try-help" onChange={(e) => void onFile(e.target.files?.[0])} />
        <small id="try-help" className="help">
          {ready
            ? `The ${which} classifies the centre square, scaled to 48x48 grayscale as in FER2013; nothing leaves your machine.`
            : finalBusy
              ? 'Available again when the final training ends.'
              : viewing
                ? 'A saved run keeps no model unless it was trained longer (Train best longer): available for a run trained in this tab.'
                : 'Available when a run has trained a model.'}
        </small>
      </div>
      <div className="try">
        <canvas ref={canvas} width={SIDE} height={SIDE} className="try-canvas" role="img" aria-label="The 48x48 grayscale crop the model sees" data-testid="try-canvas" />
        <table className="probabilities" data-testid="probabilities">
          <caption>Emotion probabilities of the {which}</caption>
          <tbody>
            {CLASS_NAMES.map((label, i) => {
              const p = probs?.[i];
              return (
                <tr key={label} className={i === top ? 'top' : undefined} data-p={p === undefined ? undefined : String(p)}>
                  <th scope="row">{label}</th>
                  <td>{pct(p, 1)}</td>
                  <td className="bar-cell">
                    <span className="bar" style={{ width: `${((p ?? 0) * 100).toFixed(1)}%` }} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
