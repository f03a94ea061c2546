/** The in-memory dataset: one Uint8Array of 48x48 grayscale images plus label and usage arrays; no per-row objects. */

/** Width and height of a FER2013 image. */
export const IMAGE_SIDE = 48;
/** Pixels (bytes) of one image. */
export const IMAGE_SIZE = IMAGE_SIDE * IMAGE_SIDE;
/** Emotion classes, labels 0..6. */
export const NUM_CLASSES = 7;
/** The one list of class names, by label: FER2013's order, which the views, the report, the model files and the CLI use. */
export const CLASS_NAMES = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;

/** FER2013's Usage column as a code. */
export const USAGE_NAMES = ['Training', 'PublicTest', 'PrivateTest'] as const;
/** Usage codes, indices into USAGE_NAMES. */
export const USAGE_TRAINING = 0;
export const USAGE_PUBLIC = 1;
export const USAGE_PRIVATE = 2;

/** A loaded dataset: parallel arrays, one entry per image. */
export interface Dataset {
  readonly name: string;
  /** True for generated data; the UI labels it "synthetic sample". */
  readonly synthetic: boolean;
  readonly count: number;
  /** count x 2304 pixels, row-major, 0..255. */
  readonly images: Uint8Array;
  /** count labels 0..6. */
  readonly labels: Uint8Array;
  /** count usage codes (USAGE_*). */
  readonly usage: Uint8Array;
}

/** Row indices of each role: the GA's fitness uses `val`, the final report uses `test` (unseen by the GA, except in the leaky paper split where it equals `val`). */
export interface Splits {
  readonly train: Int32Array;
  readonly val: Int32Array;
  readonly test: Int32Array;
}

/** Counts per class (7 numbers) of the given rows. */
export function classCounts(labels: Uint8Array, rows?: ArrayLike<number>): number[] {
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  const n = rows ? rows.length : labels.length;
  for (let i = 0; i < n; i++) {
    const label = labels[rows ? (rows[i] as number) : i] as number;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}
