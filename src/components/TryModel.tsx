/**
 * Try the best model on a face: a photo, or the camera live. The worker finds the largest face, crops it as FER2013
 * frames its faces, converts it to 48x48 grayscale and classifies it; the crop the model saw is shown beside the
 * probabilities. Frames go to the worker one at a time, so a slow model lowers the rate and never queues or freezes the page.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useLab } from '../store';
import { modelBlocker } from '../store/selectors';
import { CLASS_NAMES } from '../data/dataset';
import { IMAGE_SIDE } from '../data/dataset';
import { pct } from '../experiment/format';
import type { FaceFrame, FaceReading } from '../worker/api';

/** Frames and photos are scaled down to this longer side: the detector works at 224 px and a face needs no more. */
const MAX_FRAME_SIDE = 640;

type ReadFace = (frame: FaceFrame, fallback: 'centre' | 'none') => Promise<FaceReading>;

/** The RGBA pixels of an image, a video frame or a bitmap, scaled so its longer side is at most MAX_FRAME_SIDE. */
function frameOf(source: CanvasImageSource, width: number, height: number, canvas: HTMLCanvasElement): FaceFrame {
  const k = Math.min(1, MAX_FRAME_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * k));
  const h = Math.max(1, Math.round(height * k));
  // Resizing a canvas clears and reallocates it: only when the frame size changes.
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser cannot draw on a canvas');
  ctx.drawImage(source, 0, 0, w, h);
  return { rgba: ctx.getImageData(0, 0, w, h).data, width: w, height: h };
}

/** The page's one off-screen canvas for reading pixels, made on first use. */
function scratchCanvas(ref: { current: HTMLCanvasElement | null }): HTMLCanvasElement {
  ref.current ??= document.createElement('canvas');
  return ref.current;
}

/** Shows the 48x48 crop the model saw. */
function drawCrop(canvas: HTMLCanvasElement, crop: Uint8Array): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const image = ctx.createImageData(IMAGE_SIDE, IMAGE_SIDE);
  for (let i = 0; i < crop.length; i++) {
    const v = crop[i] as number;
    image.data[i * 4] = v;
    image.data[i * 4 + 1] = v;
    image.data[i * 4 + 2] = v;
    image.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** What to tell a person whose camera could not start, by the error getUserMedia gave. */
function cameraProblem(err: unknown): string {
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  const imageToo = 'You can still try the model with a face image.';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return `Camera access was denied. Allow the camera for this page in the browser's site settings and press Start camera again. ${imageToo}`;
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError')
    return `No camera was found. Connect one and press Start camera again. ${imageToo}`;
  if (name === 'NotReadableError' || name === 'AbortError' || name === 'TrackStartError') {
    return `The camera could not be started: another program may be using it. Close it and press Start camera again. ${imageToo}`;
  }
  return `The camera could not be started (${err instanceof Error ? err.message : String(err)}). ${imageToo}`;
}

/** Predictions per second over the last few readings. */
class RateMeter {
  private times: number[] = [];
  tick(now: number): number {
    this.times.push(now);
    if (this.times.length > 10) this.times.shift();
    const first = this.times[0] as number;
    return this.times.length < 2 ? 0 : ((this.times.length - 1) * 1000) / Math.max(1, now - first);
  }
}

export function TryModel({ onReadFace }: { onReadFace: ReadFace }) {
  // The worker's model: this tab's run's, or the saved run on view's own (final, else best).
  const modelSource = useLab((s) => s.modelSource);
  const finalResult = useLab((s) => s.final.result);
  const canvas = useRef<HTMLCanvasElement>(null);
  const scratch = useRef<HTMLCanvasElement | null>(null);
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  // Each reading with the model that gave it: a new model (trained longer, or a saved run's) hides the old model's answer.
  const [answer, setAnswer] = useState<{
    reading: FaceReading;
    source: typeof modelSource;
    final: typeof finalResult;
  } | null>(null);
  const model = useRef({ source: modelSource, final: finalResult });
  const reading =
    answer !== null && answer.source === modelSource && answer.final === finalResult ? answer.reading : null;
  const [source, setSource] = useState<
    | { kind: 'photo'; name: string; width: number; height: number }
    | { kind: 'camera'; width: number; height: number }
    | null
  >(null);
  const [error, setError] = useState<string | null>(null);
  const [cameraError, setCameraError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [camera, setCamera] = useState<'off' | 'starting' | 'on'>('off');
  const [rate, setRate] = useState(0);
  const noModel = useLab(modelBlocker);
  const ready = noModel === null;
  const which = modelSource === 'final' ? 'final model (trained longer)' : 'best model';

  useEffect(() => {
    model.current = { source: modelSource, final: finalResult };
  }, [modelSource, finalResult]);

  const show = useCallback((r: FaceReading) => {
    setAnswer({ reading: r, ...model.current });
    if (r.crop && canvas.current) drawCrop(canvas.current, r.crop);
  }, []);

  const stopCamera = useCallback(() => {
    for (const track of stream.current?.getTracks() ?? []) track.stop();
    stream.current = null;
    if (video.current) video.current.srcObject = null;
    setCamera('off');
    setRate(0);
  }, []);

  const startCamera = async (): Promise<void> => {
    setCameraError(null);
    setError(null);
    const media = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
    if (!media?.getUserMedia) {
      setCameraError(
        'This browser gives this page no camera (a camera needs https or localhost). You can still try the model with a face image.',
      );
      return;
    }
    setCamera('starting');
    try {
      const s = await media.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' },
        audio: false,
      });
      stream.current = s;
      const v = video.current;
      if (!v) throw new Error('the camera view is gone');
      v.srcObject = s;
      await v.play();
      setCamera('on');
    } catch (e) {
      stopCamera();
      setCameraError(cameraProblem(e));
    }
  };

  // The camera loop: one frame at a time to the worker, the next one after the answer (and a paint).
  useEffect(() => {
    if (camera !== 'on') return;
    let stopped = false;
    const meter = new RateMeter();
    const loop = async (): Promise<void> => {
      while (!stopped) {
        const v = video.current;
        if (!v) return;
        if (v.readyState >= 2 && v.videoWidth > 0) {
          const frame = frameOf(v, v.videoWidth, v.videoHeight, scratchCanvas(scratch));
          try {
            const r = await onReadFace(frame, 'none');
            if (stopped) return;
            show(r);
            setSource({ kind: 'camera', width: frame.width, height: frame.height });
            setRate(meter.tick(performance.now()));
          } catch (e) {
            if (stopped) return;
            setError(`Could not classify the camera's picture: ${e instanceof Error ? e.message : String(e)}`);
            stopCamera();
            return;
          }
        }
        await new Promise((resolve) => requestAnimationFrame(resolve));
      }
    };
    void loop();
    return () => {
      stopped = true;
    };
  }, [camera, onReadFace, show, stopCamera]);

  // The camera stops when the model goes (a new run starts) and when the panel goes.
  useEffect(() => {
    if (!ready && stream.current) stopCamera();
  }, [ready, stopCamera]);
  useEffect(() => stopCamera, [stopCamera]);

  const onFile = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    if (camera !== 'off') stopCamera();
    setBusy(true);
    setError(null);
    try {
      const bitmap = await createImageBitmap(file);
      const frame = frameOf(bitmap, bitmap.width, bitmap.height, scratchCanvas(scratch));
      bitmap.close();
      show(await onReadFace(frame, 'centre'));
      setSource({ kind: 'photo', name: file.name, width: frame.width, height: frame.height });
    } catch (e) {
      setAnswer(null);
      setError(`Could not classify ${file.name}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };

  const probs = reading?.probabilities ?? null;
  const top = probs ? probs.indexOf(Math.max(...probs)) : -1;
  const face = reading?.face ?? null;
  // Read aloud when it changes, so it says only what a person needs: the camera's score changes every frame and is shown apart.
  const found =
    !source || !reading
      ? ''
      : source.kind === 'camera'
        ? face
          ? 'Face in view.'
          : 'No face in view.'
        : face
          ? `Face found (detector score ${face.score.toFixed(2)}${reading && reading.faces > 1 ? `; the largest of ${reading.faces}` : ''}).`
          : 'No face found: the centre square of the image was used.';
  const cameraOn = camera !== 'off';
  return (
    <section className="panel" aria-labelledby="try-title">
      <h2 id="try-title">Try the model</h2>
      <div className="field">
        <label htmlFor="try-image">Face image</label>
        <input
          id="try-image"
          type="file"
          accept="image/*"
          disabled={!ready || busy}
          aria-describedby="try-help"
          onChange={(e) => void onFile(e.target.files?.[0])}
        />
        <small id="try-help" className="help">
          {noModel ??
            `The ${which} reads the largest face, framed as in FER2013 and scaled to 48x48 grayscale; nothing leaves your machine.`}
        </small>
      </div>
      <div className="camera-controls">
        {cameraOn ? (
          <button type="button" onClick={stopCamera}>
            Stop camera
          </button>
        ) : (
          <button type="button" onClick={() => void startCamera()} disabled={!ready} aria-describedby="try-help">
            Start camera
          </button>
        )}
        {camera === 'on' ? (
          <span className="help" data-testid="camera-rate">
            {rate > 0
              ? `${rate.toFixed(1)} predictions/s${face ? `, face score ${face.score.toFixed(2)}` : ''}`
              : 'starting…'}
          </span>
        ) : null}
      </div>
      <div className="try">
        <div className="camera-view" hidden={!cameraOn}>
          <video ref={video} muted playsInline aria-label="Camera view" data-testid="camera-video" />
          {cameraOn && face && source?.kind === 'camera' ? (
            <span
              className="face-box"
              data-testid="face-box"
              style={{
                left: `${(face.x / source.width) * 100}%`,
                top: `${(face.y / source.height) * 100}%`,
                width: `${(face.width / source.width) * 100}%`,
                height: `${(face.height / source.height) * 100}%`,
              }}
            />
          ) : null}
        </div>
        <canvas
          ref={canvas}
          width={IMAGE_SIDE}
          height={IMAGE_SIDE}
          className="try-canvas"
          role="img"
          aria-label="The 48x48 grayscale crop the model sees"
          data-testid="try-canvas"
        />
        <table className="probabilities" data-testid="probabilities">
          <caption>Emotion probabilities of the {which}</caption>
          <tbody>
            {CLASS_NAMES.map((label, i) => {
              const p = probs?.[i];
              return (
                <tr
                  key={label}
                  className={i === top ? 'top' : undefined}
                  data-p={p === undefined ? undefined : String(p)}
                >
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
      <p
        className="help"
        aria-live="polite"
        data-testid="face-found"
        data-face={source && reading ? String(face !== null) : undefined}
      >
        {found}
      </p>
      {cameraError ? (
        <p className="error" role="alert" data-testid="camera-error">
          {cameraError}
        </p>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
