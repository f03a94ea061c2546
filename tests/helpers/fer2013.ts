/**
 * FER2013 for the tests. A generated, FER2013-shaped fixture that every checkout has (faces drawn by the synthetic
 * sample's generator, with planted duplicates), and the real files, found through `FER2013_CSV` or `../shared/data`
 * beside the repository; tests that need the real files are skipped with one printed line when they are absent.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { IMAGE_SIZE, NUM_CLASSES, USAGE_NAMES } from '../../src/data/dataset';
import { drawFace } from '../../src/data/synthetic';
import { Rng } from '../../src/ga/rng';

const REPO = path.resolve(import.meta.dirname, '../..');
/** Where the real files live when nothing says otherwise: the shared data folder beside the repository. */
const SHARED_DATA = path.resolve(REPO, '../shared/data');

/** Distinct images per class in each Usage of the default fixture. */
export interface FixtureShape {
  readonly training: number;
  readonly publicTest: number;
  readonly privateTest: number;
  readonly seed: number;
}

export const DEFAULT_FIXTURE_SHAPE: FixtureShape = { training: 20, publicTest: 5, privateTest: 5, seed: 2013 };

/** A generated FER2013 CSV and the facts it was built with, for tests to assert against. */
export interface Fer2013Fixture {
  readonly name: string;
  readonly csv: string;
  /** Data rows (the header excluded). */
  readonly rows: number;
  /** Distinct images: the rows left after exact duplicates are removed. */
  readonly kept: number;
  /** Rows whose pixels repeat an earlier row's. */
  readonly duplicateRows: number;
  /** Images that occur more than once. */
  readonly duplicateGroups: number;
  /** Duplicate groups whose rows have different Usage values. */
  readonly crossUsageGroups: number;
  /** Duplicate groups whose rows disagree on the label. */
  readonly labelConflicts: number;
  /** Rows per class (7). */
  readonly rowsPerClass: number[];
  /** Rows per Usage (Training, PublicTest, PrivateTest) per class, duplicates included. */
  readonly rowsPerUsageClass: number[][];
  /** Distinct images per Usage per class: a duplicate counts where its first row is. */
  readonly keptPerUsageClass: number[][];
}

interface Row {
  readonly label: number;
  readonly usage: number;
  readonly image: number;
}

/**
 * Duplicates planted in the fixture: [image of the original row, label of the copy, usage of the copy]. One repeat
 * inside Training, one Training image again in PublicTest, one PublicTest image again in PrivateTest, and one repeat
 * inside Training whose label disagrees (FER2013 itself has all four kinds).
 */
function plantedDuplicates(originals: readonly Row[]): Row[] {
  const first = (usage: number, label: number): Row => {
    const row = originals.find((r) => r.usage === usage && r.label === label);
    if (!row) throw new Error('fixture shape too small for its planted duplicates');
    return row;
  };
  const a = first(0, 3);
  const b = first(0, 4);
  const c = first(1, 5);
  const d = first(0, 6);
  return [
    { ...a, usage: 0 },
    { ...b, usage: 1 },
    { ...c, usage: 2 },
    { ...d, label: 2, usage: 0 },
  ];
}

const cache = new Map<string, Fer2013Fixture>();

/** The fixture for a shape (deterministic; built once per shape and process). */
export function fer2013Fixture(
  shape: FixtureShape = DEFAULT_FIXTURE_SHAPE,
  name = 'fer2013-fixture.csv',
): Fer2013Fixture {
  const key = `${name}|${JSON.stringify(shape)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const rng = Rng.fromSeed(shape.seed);
  const perUsage = [shape.training, shape.publicTest, shape.privateTest];
  const originals: Row[] = [];
  // FER2013 lists Training, then PublicTest, then PrivateTest, with the classes mixed within each.
  perUsage.forEach((n, usage) => {
    for (let k = 0; k < n; k++)
      for (let label = 0; label < NUM_CLASSES; label++) originals.push({ label, usage, image: originals.length });
  });
  const pictures = originals.map((r) => {
    const px = new Uint8Array(IMAGE_SIZE);
    drawFace(r.label, rng, px);
    return px.join(' ');
  });
  if (new Set(pictures).size !== pictures.length)
    throw new Error('the fixture drew two identical faces: change its seed');
  const copies = plantedDuplicates(originals);
  // Each copy goes at the end of its Usage block, so rows stay grouped by Usage as in the real file.
  const rows: Row[] = [];
  for (let usage = 0; usage < USAGE_NAMES.length; usage++) {
    rows.push(...originals.filter((r) => r.usage === usage), ...copies.filter((r) => r.usage === usage));
  }
  const lines = [
    'emotion,pixels,Usage',
    ...rows.map((r) => `${r.label},${pictures[r.image] as string},${USAGE_NAMES[r.usage] as string}`),
  ];
  const zeros = (): number[][] => USAGE_NAMES.map(() => new Array<number>(NUM_CLASSES).fill(0));
  const rowsPerUsageClass = zeros();
  const keptPerUsageClass = zeros();
  const seen = new Set<number>();
  const bump = (table: number[][], r: Row): void => {
    const row = table[r.usage] as number[];
    row[r.label] = (row[r.label] ?? 0) + 1;
  };
  for (const r of rows) {
    bump(rowsPerUsageClass, r);
    if (!seen.has(r.image)) bump(keptPerUsageClass, r);
    seen.add(r.image);
  }
  const fixture: Fer2013Fixture = {
    name,
    csv: `${lines.join('\n')}\n`,
    rows: rows.length,
    kept: originals.length,
    duplicateRows: copies.length,
    duplicateGroups: new Set(copies.map((c) => c.image)).size,
    crossUsageGroups: copies.filter((c) => c.usage !== (originals[c.image] as Row).usage).length,
    labelConflicts: copies.filter((c) => c.label !== (originals[c.image] as Row).label).length,
    rowsPerClass: Array.from({ length: NUM_CLASSES }, (_, k) => rows.filter((r) => r.label === k).length),
    rowsPerUsageClass,
    keptPerUsageClass,
  };
  cache.set(key, fixture);
  return fixture;
}

/** Writes the fixture CSV into `dir` and returns its path. */
export function writeFer2013Fixture(
  dir: string,
  shape: FixtureShape = DEFAULT_FIXTURE_SHAPE,
  name = 'fer2013-fixture.csv',
): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, fer2013Fixture(shape, name).csv);
  return file;
}

/** The real files: `full` is fer2013.csv(.gz) with all 35,887 rows, `small` the 1,400-row subset beside it. */
export type RealFile = 'full' | 'small';

const DESCRIPTION: Record<RealFile, string> = {
  full: 'the real FER2013 (fer2013.csv or fer2013.csv.gz)',
  small: 'the real FER2013 subset fer2013-small.csv',
};

/**
 * The path of a real FER2013 file, or undefined when this checkout has none. `FER2013_CSV` names the full file
 * (.csv or .csv.gz; the small subset is looked for beside it); otherwise both are looked for in ../shared/data.
 * A `FER2013_CSV` that names no file is a mistake, not a reason to skip: it throws.
 */
export function realFer2013(kind: RealFile): string | undefined {
  const env = process.env.FER2013_CSV;
  if (env !== undefined && env !== '' && !existsSync(env)) throw new Error(`FER2013_CSV=${env}: no such file`);
  const dirs = [...(env ? [path.dirname(path.resolve(env))] : []), SHARED_DATA];
  const candidates =
    kind === 'full'
      ? [
          ...(env ? [path.resolve(env)] : []),
          path.join(SHARED_DATA, 'fer2013.csv.gz'),
          path.join(SHARED_DATA, 'fer2013.csv'),
        ]
      : dirs.map((d) => path.join(d, 'fer2013-small.csv'));
  return candidates.find((p) => existsSync(p));
}

/** The one line printed when tests are skipped for want of a real file. */
export function skipNotice(kind: RealFile, what: string): string {
  return `skipped: ${what}: needs ${DESCRIPTION[kind]}; set FER2013_CSV=/path/to/fer2013.csv.gz or put the files in ../shared/data`;
}

/** The real file's path; when it is missing, prints the skip line once for `what` and returns undefined. */
export function realFer2013OrNotice(kind: RealFile, what: string): string | undefined {
  const file = realFer2013(kind);
  if (file === undefined) process.stdout.write(`${skipNotice(kind, what)}\n`);
  return file;
}
