/** Command-line options of `evolve`: parsing and validation into a RunConfig, with one-line errors. */
import type { RunConfig } from '../src/experiment/types';
import { SPLIT_MODES, type SplitMode } from '../src/data/splits';
import { isValidMaxFilters } from '../src/ga/genes';
import { DEFAULT_RUN_CONFIG } from '../src/experiment/defaults';

/** Backends the CLI can train on in Node. */
export const CLI_BACKENDS = ['wasm', 'cpu'] as const;
export type CliBackend = (typeof CLI_BACKENDS)[number];
/** Backends the lab can be asked for (`?backend=`) in --browser mode. */
export const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];

/** Everything `evolve` was asked to do. */
export interface EvolveOptions {
  readonly csv: string;
  readonly out: string;
  readonly backend: CliBackend;
  readonly split: SplitMode;
  readonly resume: boolean;
  readonly config: RunConfig;
}

/** A --browser run: the same settings, trained by the built lab in headless Chromium. */
export interface BrowserOptions {
  readonly csv: string;
  readonly out: string;
  /** `?backend=` for the lab; null lets the lab choose (hardware WebGPU first, as in a person's browser). */
  readonly backend: BrowserBackend | null;
  readonly split: SplitMode;
  readonly config: RunConfig;
}

export type ParsedArgs =
  | { readonly kind: 'run'; readonly options: EvolveOptions; readonly given: ReadonlySet<string> }
  | { readonly kind: 'help' }
  | { readonly kind: 'browser'; readonly options: BrowserOptions }
  | { readonly kind: 'error'; readonly message: string };

/** The usage text printed by --help. */
export const USAGE = `usage: npm run evolve -- --csv FILE --out DIR [options]

Runs the genetic search of CNN hyperparameters on FER2013 in Node (TensorFlow.js wasm backend) and writes
DIR/run.json, DIR/report.md, DIR/fitness.svg and DIR/model/ (the best network). Ctrl-C stops after saving a
checkpoint in DIR/checkpoint/; run again with --resume --out DIR to finish the same run.
With --browser the built lab runs the same search in headless Chromium (WebGPU where the machine has a GPU)
and the same files are written; Ctrl-C stops that run (no checkpoint, so no --resume).

  --csv FILE              FER2013 .csv or .csv.gz (required unless --resume)
  --out DIR               output folder (required)
  --pop N                 population size (default 10)
  --gens N                generations after the initial population; N + 1 phases (default 3)
  --epochs N              training epochs per candidate (default 10)
  --seed S                seed of the search, splits and training (default 1)
  --split MODE            canonical | paper | paper-clean (default canonical)
  --per-class K           keep at most K images per class in each split; 0 = all (default 0)
  --max-filters N         largest filter count of a gene, a power of two 2..1024 (default 1024)
  --batch-size N          (default 32)
  --patience N            early-stopping patience in epochs; 0 = off (default 3)
  --flip / --no-flip      horizontal-flip augmentation (default off)
  --dense-units N         units of the dense hidden layer (default 256)
  --dropout-conv X        dropout after each pooling layer (default 0.25)
  --dropout-dense X       dropout before the softmax layer (default 0.5)
  --crossover-rate X      probability that a pair is mated (default 0.2)
  --mutation-rate X       probability that an offspring is mutated (default 0.1)
  --crossover KIND        one-point | two-point | k-point (default two-point)
  --crossover-points N    cut points of k-point crossover (default 3)
  --selection KIND        tournament | roulette (default tournament)
  --tournament-size N     (default 3)
  --elitism N             best individuals kept unchanged each generation (default 1)
  --hall-of-fame N        (default 5)
  --backend NAME          wasm | cpu (default wasm); with --browser webgpu | webgl | wasm | cpu
                          (default: the lab chooses, hardware WebGPU first)
  --resume                continue the unfinished run in --out DIR (settings come from its checkpoint)
  --browser               run in the built lab in headless Chromium (builds it into dist-cli when stale;
                          EVOLAB_CLI_DIST names another folder, CHROMIUM_PATH another browser)
  --help                  this text`;

/** The settings of `evolve` without flags: the paper's search with the lab's training defaults. */
export const CLI_DEFAULTS: RunConfig = { ...DEFAULT_RUN_CONFIG, seed: 1, split: 'canonical' };

type Kind = 'int' | 'posint' | 'rate' | 'dropout' | 'string' | 'flag';
const FLAGS: Record<string, Kind> = {
  csv: 'string', out: 'string', pop: 'posint', gens: 'int', epochs: 'posint', seed: 'int', split: 'string',
  'per-class': 'int', 'max-filters': 'posint', 'batch-size': 'posint', patience: 'int', flip: 'flag', 'no-flip': 'flag',
  'dense-units': 'posint', 'dropout-conv': 'dropout', 'dropout-dense': 'dropout', 'crossover-rate': 'rate',
  'mutation-rate': 'rate', crossover: 'string', 'crossover-points': 'posint', selection: 'string', 'tournament-size': 'posint',
  elitism: 'int', 'hall-of-fame': 'posint', backend: 'string', resume: 'flag', browser: 'flag', help: 'flag',
};

const CROSSOVERS = ['one-point', 'two-point', 'k-point'] as const;
const SELECTIONS = ['tournament', 'roulette'] as const;

/** Parses argv (without node and script); never throws. `given` holds the flags that were set explicitly. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const raw = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h') return { kind: 'help' };
    if (!arg.startsWith('--')) return { kind: 'error', message: `unexpected argument "${arg}" (options start with --; see --help)` };
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = FLAGS[name];
    if (kind === undefined) return { kind: 'error', message: `unknown option --${name} (see --help)` };
    if (raw.has(name)) return { kind: 'error', message: `--${name} given twice` };
    if (kind === 'flag') {
      if (eq >= 0) return { kind: 'error', message: `--${name} takes no value` };
      raw.set(name, true);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) return { kind: 'error', message: `--${name} needs a value` };
    raw.set(name, value);
  }
  if (raw.has('help')) return { kind: 'help' };
  const browser = raw.has('browser');
  if (browser && raw.has('resume')) {
    return { kind: 'error', message: '--resume continues Node-mode runs only (a --browser run keeps no checkpoint); run without --browser to get a resumable run' };
  }

  const errors: string[] = [];
  const num = (name: string, fallback: number): number => {
    const v = raw.get(name);
    if (v === undefined || v === true) return fallback;
    const kind = FLAGS[name];
    const x = Number(v);
    const ok =
      v.trim() !== '' && Number.isFinite(x) &&
      (kind === 'int' ? Number.isInteger(x) && x >= 0
        : kind === 'posint' ? Number.isInteger(x) && x >= 1
          : kind === 'rate' ? x >= 0 && x <= 1
            : x >= 0 && x < 1);
    if (!ok) {
      const want = kind === 'int' ? 'an integer >= 0' : kind === 'posint' ? 'an integer >= 1' : kind === 'rate' ? 'a number from 0 to 1' : 'a number from 0 to below 1';
      errors.push(`--${name} must be ${want}, got "${v}"`);
      return fallback;
    }
    return x;
  };
  const choice = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const v = raw.get(name);
    if (v === undefined || v === true) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      errors.push(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
      return fallback;
    }
    return v as T;
  };
  const str = (name: string): string | undefined => {
    const v = raw.get(name);
    return typeof v === 'string' ? v : undefined;
  };

  const d = CLI_DEFAULTS;
  const split = choice('split', SPLIT_MODES, 'canonical');
  const maxFilters = num('max-filters', d.maxFilters);
  if (raw.has('max-filters') && !isValidMaxFilters(maxFilters)) errors.push(`--max-filters must be a power of two from 2 to 1024, got "${String(raw.get('max-filters'))}"`);
  if (raw.has('flip') && raw.has('no-flip')) errors.push('--flip and --no-flip contradict each other');
  const config: RunConfig = {
    seed: num('seed', d.seed),
    populationSize: num('pop', d.populationSize),
    generations: num('gens', d.generations),
    crossoverRate: num('crossover-rate', d.crossoverRate),
    mutationRate: num('mutation-rate', d.mutationRate),
    maxFilters,
    epochs: num('epochs', d.epochs),
    batchSize: num('batch-size', d.batchSize),
    patience: num('patience', d.patience),
    augmentFlip: raw.has('flip'),
    network: {
      denseUnits: num('dense-units', d.network.denseUnits),
      dropoutConv: num('dropout-conv', d.network.dropoutConv),
      dropoutDense: num('dropout-dense', d.network.dropoutDense),
    },
    perClass: num('per-class', d.perClass),
    crossover: choice('crossover', CROSSOVERS, 'two-point'),
    crossoverPoints: num('crossover-points', d.crossoverPoints ?? 3),
    selection: choice('selection', SELECTIONS, 'tournament'),
    tournamentSize: num('tournament-size', d.tournamentSize ?? 3),
    // A population of one has no room for an elite (the engine allows at most populationSize - 1).
    elitism: num('elitism', Math.min(d.elitism ?? 1, Math.max(0, num('pop', d.populationSize) - 1))),
    hallOfFameSize: num('hall-of-fame', d.hallOfFameSize ?? 5),
    split,
  };
  if (config.elitism !== undefined && config.elitism >= config.populationSize) errors.push(`--elitism (${config.elitism}) must be below --pop (${config.populationSize})`);
  const backendFlag = raw.get('backend');
  let backend: CliBackend = 'wasm';
  let browserBackend: BrowserBackend | null = null;
  if (browser) browserBackend = typeof backendFlag === 'string' ? choice('backend', BROWSER_BACKENDS, 'wasm') : null;
  else if (backendFlag === 'webgpu' || backendFlag === 'webgl') errors.push(`--backend ${backendFlag} needs --browser (in Node the CLI trains on wasm or cpu)`);
  else backend = choice('backend', CLI_BACKENDS, 'wasm');
  const resume = raw.has('resume');
  const csv = str('csv');
  const out = str('out');
  if (out === undefined) errors.push('--out DIR is required');
  if (csv === undefined && !resume) errors.push('--csv FILE is required');
  if (errors.length > 0) return { kind: 'error', message: errors[0] as string };
  if (browser) return { kind: 'browser', options: { csv: csv ?? '', out: out as string, backend: browserBackend, split, config } };
  const given = new Set([...raw.keys()].filter((k) => k !== 'resume' && k !== 'out'));
  return { kind: 'run', options: { csv: csv ?? '', out: out as string, backend, split, resume, config }, given };
}
