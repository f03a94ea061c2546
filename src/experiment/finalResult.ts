/**
 * The result of a final training (one chromosome trained properly, after or without a search): `npm run train`'s
 * result.json, the `final` entry of run.json and what the lab shows beside the search's figures. Pure: no tfjs, no DOM.
 */
import { isLeakySplit } from '../data/splits';
import { validateChromosome, type Chromosome } from '../ga/chromosome';
import type { RunConfig } from '../settings';
import { jsonFields } from './jsonFields';
import type { RunLogDataset } from './runlog';

/** One epoch of the final training: training loss and accuracy (with dropout), then the validation pass. */
export interface FinalEpoch {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly valLoss: number | null;
  readonly valAccuracy: number;
  /** Wall time of the epoch, its validation pass included. */
  readonly seconds: number;
}

/** The settings a final training used: the training part of a RunConfig (the seed is beside it in FinalResult). */
export interface FinalConfig {
  readonly epochs: number;
  readonly batchSize: number;
  readonly patience: number;
  readonly augmentFlip: boolean;
  readonly perClass: number;
  readonly split: string;
  readonly network: RunConfig['network'];
}

/** result.json of `npm run train`, run.json's `final`: the fields are a contract (extend, never rename). */
export interface FinalResult {
  readonly chromosome: Chromosome;
  readonly config: FinalConfig;
  readonly backend: { readonly name: string; readonly reason: string };
  /** The run seed: with the chromosome it fixes the initial weights, shuffles, flips and dropout masks. */
  readonly seed: number;
  /** The data and the split sizes the training saw. */
  readonly dataset: RunLogDataset;
  readonly epochs: FinalEpoch[];
  /** The epoch whose weights were kept, tested and exported (the rule is the trainer's: see TrainSettings.patience). */
  readonly keptEpoch: number;
  /** Validation accuracy and loss of the kept weights. */
  readonly valAccuracy: number;
  readonly valLoss: number | null;
  /** Accuracy of the kept weights on the test split; null when the split has no test images. */
  readonly testAccuracy: number | null;
  readonly testLoss: number | null;
  readonly testCount: number;
  /** False when the test images are the ones the selection was made on (the paper split). */
  readonly testIndependent: boolean;
  /** 7 numbers (null for a class without test images), or null without a test split. */
  readonly perClassAccuracy: (number | null)[] | null;
  /** confusion[true][predicted] on the test split, or null without one. */
  readonly confusion: number[][] | null;
  readonly params: number;
  /** Wall time of the whole final training, test evaluation included. */
  readonly seconds: number;
  /** Training throughput (forward and backward passes only). */
  readonly imagesPerSecond: number;
}

/** The FinalConfig of a run's settings, with `epochs` (and flip augmentation) as the final training asks. */
export function finalConfig(
  config: RunConfig,
  override: { readonly epochs?: number; readonly augmentFlip?: boolean } = {},
): FinalConfig {
  return {
    epochs: override.epochs ?? config.epochs,
    batchSize: config.batchSize,
    patience: config.patience,
    augmentFlip: override.augmentFlip ?? config.augmentFlip,
    perClass: config.perClass,
    split: config.split ?? 'canonical',
    network: { ...config.network },
  };
}

/**
 * What the test images of a split are, said honestly. `after`: 'search' when a genetic search selected the chromosome on
 * the validation split, 'training' when only this training used it (to keep an epoch).
 */
export function testSetText(split: string, after: 'search' | 'training'): string {
  if (split === 'canonical')
    return `PrivateTest images, never seen by the ${after === 'search' ? 'search or the training' : 'training'}`;
  if (isLeakySplit(split)) {
    return after === 'search'
      ? "images of the paper split's 20% test set, which is also the split the GA selected on, so this figure is not independent of the search"
      : "images of the paper split's 20% test set, which is also its validation split, so this figure is not independent";
  }
  return `images of the ${split} split's 20% test set, never seen by the ${after === 'search' ? 'search or the training' : 'training'}`;
}

/** Thrown by parseFinalResult; the message names the offending field. */
export class FinalResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FinalResultError';
  }
}

/**
 * Checks a parsed final result (result.json, or run.json's `final` at `at`); throws FinalResultError with a one-line
 * message naming the first bad field. Returns the value typed.
 */
export function parseFinalResult(value: unknown, at = 'result'): FinalResult {
  const fail = (path: string, what: string): never => {
    throw new FinalResultError(`${path} ${what}`);
  };
  const { obj, arr, num, numOrNull, int, str, bool } = jsonFields(fail);

  const root = obj(value, at);
  const errors = validateChromosome(root.chromosome);
  if (errors.length > 0) fail(`${at}.chromosome`, `is not a valid chromosome: ${errors[0] ?? ''}`);
  const config = obj(root.config, `${at}.config`);
  for (const k of ['epochs', 'batchSize', 'patience', 'perClass'] as const) int(config[k], `${at}.config.${k}`);
  bool(config.augmentFlip, `${at}.config.augmentFlip`);
  str(config.split, `${at}.config.split`);
  const net = obj(config.network, `${at}.config.network`);
  for (const k of ['denseUnits', 'dropoutConv', 'dropoutDense'] as const) num(net[k], `${at}.config.network.${k}`);
  const backend = obj(root.backend, `${at}.backend`);
  str(backend.name, `${at}.backend.name`);
  str(backend.reason, `${at}.backend.reason`);
  int(root.seed, `${at}.seed`);
  const dataset = obj(root.dataset, `${at}.dataset`);
  str(dataset.name, `${at}.dataset.name`);
  str(dataset.split, `${at}.dataset.split`);
  bool(dataset.synthetic, `${at}.dataset.synthetic`);
  for (const k of ['count', 'train', 'val', 'test'] as const) int(dataset[k], `${at}.dataset.${k}`);
  const epochs = arr(root.epochs, `${at}.epochs`);
  if (epochs.length === 0) fail(`${at}.epochs`, 'must hold at least one epoch');
  epochs.forEach((e, i) => {
    const ep = obj(e, `${at}.epochs[${i}]`);
    if (ep.epoch !== i + 1) fail(`${at}.epochs[${i}].epoch`, `must be ${i + 1}`);
    for (const k of ['loss', 'accuracy', 'valAccuracy', 'seconds'] as const) num(ep[k], `${at}.epochs[${i}].${k}`);
    numOrNull(ep.valLoss, `${at}.epochs[${i}].valLoss`);
  });
  const kept = int(root.keptEpoch, `${at}.keptEpoch`);
  if (kept < 1 || kept > epochs.length) fail(`${at}.keptEpoch`, `must be from 1 to ${epochs.length}`);
  num(root.valAccuracy, `${at}.valAccuracy`);
  numOrNull(root.valLoss, `${at}.valLoss`);
  numOrNull(root.testAccuracy, `${at}.testAccuracy`);
  numOrNull(root.testLoss, `${at}.testLoss`);
  int(root.testCount, `${at}.testCount`);
  bool(root.testIndependent, `${at}.testIndependent`);
  if (root.perClassAccuracy !== null) {
    const pca = arr(root.perClassAccuracy, `${at}.perClassAccuracy`);
    if (pca.length !== 7) fail(`${at}.perClassAccuracy`, 'must have 7 entries');
    pca.forEach((x, c) => numOrNull(x, `${at}.perClassAccuracy[${c}]`));
  }
  if (root.confusion !== null) {
    const rows = arr(root.confusion, `${at}.confusion`);
    if (rows.length !== 7) fail(`${at}.confusion`, 'must have 7 rows');
    rows.forEach((row, r) => {
      const cells = arr(row, `${at}.confusion[${r}]`);
      if (cells.length !== 7) fail(`${at}.confusion[${r}]`, 'must have 7 entries');
      cells.forEach((x, c) => int(x, `${at}.confusion[${r}][${c}]`));
    });
  }
  int(root.params, `${at}.params`);
  num(root.seconds, `${at}.seconds`);
  num(root.imagesPerSecond, `${at}.imagesPerSecond`);
  return value as FinalResult;
}

/** A copy without the timing fields (they differ between two trainings of the same seed). */
export function finalWithoutTimings(result: FinalResult): FinalResult {
  return { ...result, seconds: 0, imagesPerSecond: 0, epochs: result.epochs.map((e) => ({ ...e, seconds: 0 })) };
}
