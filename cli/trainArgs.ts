/** Command-line options of `train`: the training settings' flags (from the settings schema) and its own, with one-line errors. */
import { PAPER_BEST, validateChromosome, type Chromosome } from '../src/ga/chromosome';
import type { RunConfig } from '../src/experiment/types';
import type { SettingKey } from '../src/settings';
import { CLI_BACKENDS, type CliBackend } from './args';
import { optionsHelp, parseCommandLine, type CommandOptions } from './flags';

/** Everything `train` was asked to do. */
export interface TrainOptions {
  readonly csv: string;
  /** A chromosome file's path, or 'paper-best'. */
  readonly chromosome: string;
  readonly out: string;
  readonly backend: CliBackend;
  readonly config: RunConfig;
}

export type ParsedTrainArgs =
  | { readonly kind: 'run'; readonly options: TrainOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

/** The run settings `train` takes: the training ones, with the same flags, ranges, defaults and messages as `evolve`. */
export const TRAIN_SETTINGS: readonly SettingKey[] = [
  'epochs',
  'seed',
  'split',
  'perClass',
  'patience',
  'batchSize',
  'augmentFlip',
  'denseUnits',
  'dropoutConv',
  'dropoutDense',
];

/** The name `--chromosome` takes for the paper's Table 2 chromosome. */
export const PAPER_BEST_NAME = 'paper-best';

const TRAIN_OPTIONS: CommandOptions = [
  {
    name: 'csv',
    metavar: 'FILE',
    help: 'FER2013 .csv or .csv.gz, or an archive holding it (.tar.gz as Kaggle ships it, .tar, .zip) (required).',
  },
  {
    name: 'chromosome',
    metavar: 'FILE',
    help:
      `A chromosome as JSON (a bare chromosome, a result.json, or an evolve run.json, whose best chromosome is taken), or ${PAPER_BEST_NAME} ` +
      "for the paper's Table 2 chromosome (required).",
  },
  { name: 'out', metavar: 'DIR', help: 'Output folder (required).' },
  ...TRAIN_SETTINGS,
  { name: 'backend', metavar: 'NAME', help: 'wasm | cpu (default wasm).' },
  { name: 'help', help: 'This text.' },
];

/** The usage text printed by --help. */
export const TRAIN_USAGE = `usage: npm run train -- --csv FILE --chromosome FILE.json|${PAPER_BEST_NAME} --out DIR [options]

Trains one chromosome from scratch on FER2013 in Node (TensorFlow.js wasm backend), keeps the weights of the
epoch the patience rule picks, scores them once on the test split and writes DIR/result.json, DIR/report.md and
DIR/model/ (model.json + weights.bin for tf.loadLayersModel; input [n, 48, 48, 1] = pixels / 255). The seed and
the chromosome fix the initial weights, shuffles, flips and dropout masks, as in a search with the same seed.
Ctrl-C stops (exit code 130) and writes nothing. The settings are the lab's and evolve's, with the same ranges
and defaults.

${optionsHelp(TRAIN_OPTIONS)}`;

/** Parses argv (without node and script); never throws. */
export function parseTrainArgs(argv: readonly string[]): ParsedTrainArgs {
  const parsed = parseCommandLine(argv, TRAIN_OPTIONS);
  if (parsed.kind !== 'ok') return parsed;
  const { config, flags } = parsed;
  const backend = flags.get('backend');
  if (typeof backend === 'string' && !(CLI_BACKENDS as readonly string[]).includes(backend)) {
    const gpu =
      backend === 'webgpu' || backend === 'webgl' ? ' (train runs in Node; the lab trains on WebGPU or WebGL)' : '';
    return { kind: 'error', message: `--backend must be one of ${CLI_BACKENDS.join(', ')}, got "${backend}"${gpu}` };
  }
  const csv = flags.get('csv');
  const chromosome = flags.get('chromosome');
  const out = flags.get('out');
  if (typeof csv !== 'string') return { kind: 'error', message: '--csv FILE is required' };
  if (typeof chromosome !== 'string')
    return { kind: 'error', message: `--chromosome FILE.json or ${PAPER_BEST_NAME} is required` };
  if (typeof out !== 'string') return { kind: 'error', message: '--out DIR is required' };
  return {
    kind: 'run',
    options: { csv, chromosome, out, backend: (typeof backend === 'string' ? backend : 'wasm') as CliBackend, config },
  };
}

/**
 * The chromosome in a JSON file's text: a bare chromosome, an object with a `chromosome` (result.json, the lab's
 * evolab.json) or a run log (its best chromosome). Returns it, or a one-line reason naming `file`.
 */
export function chromosomeFromJson(
  text: string,
  file: string,
): { readonly chromosome: Chromosome } | { readonly error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { error: `${file} is not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  const record =
    typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  let candidate: unknown = value;
  if (record && record.format === 'evolab-run-log') {
    const best = record.best as Record<string, unknown> | null | undefined;
    if (!best?.chromosome)
      return { error: `${file} is a run log without a best chromosome (the run trained no candidate)` };
    candidate = best.chromosome;
  } else if (record && 'chromosome' in record && !('conv' in record)) {
    candidate = record.chromosome;
  }
  const errors = validateChromosome(candidate);
  return errors.length === 0
    ? { chromosome: candidate as Chromosome }
    : { error: `${file} is not a valid chromosome: ${errors[0] ?? ''}` };
}

/** `paper-best`, or the file's text read by `read` (which throws on a missing file). */
export function resolveChromosome(
  spec: string,
  read: (file: string) => string,
): { readonly chromosome: Chromosome } | { readonly error: string } {
  if (spec === PAPER_BEST_NAME) return { chromosome: PAPER_BEST };
  let text: string;
  try {
    text = read(spec);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return {
      error: `${spec}: ${code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : e instanceof Error ? e.message : String(e)}`,
    };
  }
  return chromosomeFromJson(text, spec);
}
