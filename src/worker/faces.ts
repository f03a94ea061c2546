/**
 * Faces for Try the model: the largest face in a camera frame or a photo, found by the face detector whose weights the
 * app serves itself (from the @vladmandic/face-api package, never from a hub), framed and shrunk to 48x48 grayscale
 * as FER2013's images are (src/data/faceCrop.ts), then classified by the best network.
 */
import manifestUrl from '@vladmandic/face-api/model/tiny_face_detector_model-weights_manifest.json?url';
import weightsUrl from '@vladmandic/face-api/model/tiny_face_detector_model.bin?url';
import { centreSquare, ferCropSquare, grayCrop } from '../data/faceCrop';
import { FaceDetector, type DetectorManifest } from '../ml/faceDetector';
import type { FaceFrame, FaceReading } from './api';

/** Loads the detector on first use and reads faces with it. */
export class FaceReader {
  private detector: Promise<FaceDetector> | null = null;

  /** The largest face of `frame` classified by `classify`; with no face, the centre square when `fallback` is 'centre'. */
  async read(
    frame: FaceFrame,
    fallback: 'centre' | 'none',
    classify: (pixels: Uint8Array) => Promise<number[]>,
  ): Promise<FaceReading> {
    const { rgba, width, height } = frame;
    const detector = await this.load();
    const faces = await detector.detect(rgba, width, height);
    // The person trying the model is the largest face; others (a poster, someone behind) are counted, not read.
    const face = faces.reduce<(typeof faces)[number] | null>(
      (big, f) => (!big || f.width * f.height > big.width * big.height ? f : big),
      null,
    );
    if (!face && fallback === 'none') return { face: null, faces: 0, crop: null, probabilities: null };
    const square = face ? ferCropSquare(face) : centreSquare(width, height);
    const crop = grayCrop(rgba, width, height, square);
    const probabilities = await classify(crop);
    return {
      face: face ? { x: face.x, y: face.y, width: face.width, height: face.height, score: face.score } : null,
      faces: faces.length,
      crop,
      probabilities,
    };
  }

  private load(): Promise<FaceDetector> {
    this.detector ??= fetchDetector().catch((err: unknown) => {
      // A failed download is tried again on the next frame rather than remembered.
      this.detector = null;
      throw err;
    });
    return this.detector;
  }
}

async function fetchDetector(): Promise<FaceDetector> {
  const get = async (url: string): Promise<Response> => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not load the face detector (${url}: HTTP ${res.status})`);
    return res;
  };
  const [manifest, weights] = await Promise.all([
    get(manifestUrl).then((r) => r.json() as Promise<DetectorManifest>),
    get(weightsUrl).then((r) => r.arrayBuffer()),
  ]);
  return FaceDetector.fromWeights(manifest, weights);
}
