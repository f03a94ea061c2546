/** Command-line options of `evolve`: the run settings' flags (from the settings schema) and its own, with one-line errors. */
import type { RunConfig } from '../src/experiment/types';
import type { SplitMode } from '../src/data/splits';
import { settingByKey, SETTINGS } from '../src/settings';
import { optionsHelp, parseCommandLine, parseLikeSetting, type CommandOptions } from './flags';
import { queueUrlProblem } from './queue/shared';

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
  /** --final-epochs N: after the search, the best chromosome is trained again for N epochs; null when not asked. */
  readonly finalEpochs: number | null;
  /** Row of front.md (1-based) whose model is exported; null: the most accurate front member. */
  readonly pick: number | null;
  /** --queue: the Redis URL whose workers train the candidates; null trains them in this process. */
  readonly queue: string | null;
  /** --queue-attempts: tries per queued training before its candidate is recorded as failed. */
  readonly queueAttempts: number;
}

/** --queue-attempts when not given. */
export const DEFAULT_QUEUE_ATTEMPTS = 3;

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

/** --final-epochs takes what --epochs takes. */
const EPOCHS = settingByKey('epochs') as Extract<ReturnType<typeof settingByKey>, { kind: 'int' }>;

/** `evolve`'s flags in --help order: every run setting, between the files and the run's own switches. */
const EVOLVE_OPTIONS: CommandOptions = [
  {
    name: 'csv',
    metavar: 'FILE',
    help: 'FER2013 .csv or .csv.gz, or an archive holding it (.tar.gz as Kaggle ships it, .tar, .zip) (required unless --resume).',
  },
  { name: 'out', metavar: 'DIR', help: 'Output folder (required).' },
  ...SETTINGS.map((s) => s.key),
  {
    name: 'backend',
    metavar: 'NAME',
    help: 'wasm | cpu (default wasm); with --browser webgpu | webgl | wasm | cpu (default: the lab chooses, hardware WebGPU first).',
  },
  {
    name: 'final-epochs',
    metavar: 'N',
    help:
      'After the search, train the best chromosome again from scratch for N epochs (same settings otherwise) and export that ' +
      `network; run.json gains "final" with its test figures. [${EPOCHS.min} to ${EPOCHS.max}, unset by default]`,
  },
  { name: 'resume', help: 'Continue the unfinished run in --out DIR (settings come from its checkpoint).' },
  {
    name: 'pick',
    metavar: 'INDEX',
    help: 'With two or more --objectives: export (model/) and test the front member in row INDEX of front.md (1 = the most accurate, the default).',
  },
  {
    name: 'queue',
    metavar: 'URL',
    help: 'Train the candidates on the machines running npm run worker -- --queue URL (a Redis URL, redis://[:PASSWORD@]HOST:PORT); the run log is the same as without --queue.',
  },
  {
    name: 'queue-attempts',
    metavar: 'N',
    help: `With --queue: tries per training (a worker that throws or dies) before the candidate is recorded as failed (default ${DEFAULT_QUEUE_ATTEMPTS}).`,
  },
  {
    name: 'browser',
    help: 'Run in the built lab in headless Chromium (builds it into dist-cli when stale; EVOLAB_CLI_DIST names another folder, CHROMIUM_PATH another browser).',
  },
  { name: 'help', help: 'This text.' },
];

/** The usage text printed by --help. */
export const USAGE = `usage: npm run evolve -- --csv FILE --out DIR [options]

Runs the genetic search of CNN hyperparameters on FER2013 in Node (TensorFlow.js wasm backend) and writes
DIR/run.json, DIR/report.md, DIR/fitness.svg and DIR/model/ (the best network, or with --final-epochs the best
chromosome trained again for longer); with two or more --objectives also DIR/front.md, the Pareto front as a table,
whose most accurate member (or --pick INDEX) is the exported model. Ctrl-C stops after saving a checkpoint in
DIR/checkpoint/; run again with --resume --out DIR to finish the same run (a final training that was stopped starts
again from its first epoch).
With --queue URL the candidates are trained by npm run worker processes on any number of machines (see the
README, "Scale out"), with the same results; full fidelity only (not with --fidelity halving).
With --browser the built lab runs the same search in headless Chromium (WebGPU where the machine has a GPU)
and the same files are written; Ctrl-C stops that run (no checkpoint, so no --resume).
The settings are the lab's, with the same ranges and defaults.

${optionsHelp(EVOLVE_OPTIONS)}`;

/** Parses argv (without node and script); never throws. `given` holds the flags that were set explicitly. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed = parseCommandLine(argv, EVOLVE_OPTIONS);
  if (parsed.kind !== 'ok') return parsed;
  const { config, flags } = parsed;
  const browser = flags.has('browser');
  const resume = flags.has('resume');
  const queueFlag = flags.get('queue');
  const queue = typeof queueFlag === 'string' ? queueFlag : null;
  const attemptsFlag = flags.get('queue-attempts');
  if (browser && queue !== null)
    return { kind: 'error', message: '--queue trains Node-mode runs only; run without --browser' };
  if (queue !== null) {
    const problem = queueUrlProblem(queue);
    if (problem !== null) return { kind: 'error', message: problem };
  } else if (attemptsFlag !== undefined) {
    return { kind: 'error', message: '--queue-attempts needs --queue URL' };
  }
  const queueAttempts = typeof attemptsFlag === 'string' ? Number(attemptsFlag) : DEFAULT_QUEUE_ATTEMPTS;
  if (!Number.isInteger(queueAttempts) || queueAttempts < 1 || queueAttempts > 100) {
    return {
      kind: 'error',
      message: `--queue-attempts must be a whole number from 1 to 100, got "${String(attemptsFlag)}"`,
    };
  }
  if (browser && resume) {
    return {
      kind: 'error',
      message:
        '--resume continues Node-mode runs only (a --browser run keeps no checkpoint); run without --browser to get a resumable run',
    };
  }
  const backendFlag = flags.get('backend');
  const backend = typeof backendFlag === 'string' ? backendFlag : null;
  const badBackend = (allowed: readonly string[]): ParsedArgs | null =>
    backend !== null && !allowed.includes(backend)
      ? { kind: 'error', message: `--backend must be one of ${allowed.join(', ')}, got "${backend}"` }
      : null;
  const csv = flags.get('csv');
  const out = flags.get('out');
  const pickFlag = flags.get('pick');
  let pick: number | null = null;
  if (typeof pickFlag === 'string') {
    pick = Number(pickFlag);
    if (!Number.isInteger(pick) || pick < 1)
      return { kind: 'error', message: `--pick must be a row number of front.md (1 or more), got "${pickFlag}"` };
    if ((config.objectives?.length ?? 1) < 2 && !resume)
      return {
        kind: 'error',
        message: '--pick chooses from the Pareto front: it needs --objectives with accuracy and at least one cost',
      };
    if (browser)
      return {
        kind: 'error',
        message: '--pick works in Node mode (in the lab, press Use this model on a front member)',
      };
  }
  const split = config.split ?? 'canonical';
  const finalFlag = flags.get('final-epochs');
  let finalEpochs: number | null = null;
  if (typeof finalFlag === 'string') {
    const r = parseLikeSetting('epochs', 'final-epochs', finalFlag);
    if ('error' in r) return { kind: 'error', message: r.error };
    finalEpochs = r.value;
  }
  if (browser && finalEpochs !== null) {
    return {
      kind: 'error',
      message:
        '--final-epochs needs Node mode (without --browser); after a --browser run, press Train best longer in the lab or run npm run train',
    };
  }
  if (browser) {
    const bad = badBackend(BROWSER_BACKENDS);
    if (bad) return bad;
    if (typeof out !== 'string') return { kind: 'error', message: '--out DIR is required' };
    if (typeof csv !== 'string') return { kind: 'error', message: '--csv FILE is required' };
    return { kind: 'browser', options: { csv, out, backend: backend as BrowserBackend | null, split, config } };
  }
  if (backend === 'webgpu' || backend === 'webgl')
    return { kind: 'error', message: `--backend ${backend} needs --browser (in Node the CLI trains on wasm or cpu)` };
  const bad = badBackend(CLI_BACKENDS);
  if (bad) return bad;
  if (typeof out !== 'string') return { kind: 'error', message: '--out DIR is required' };
  if (typeof csv !== 'string' && !resume) return { kind: 'error', message: '--csv FILE is required' };
  const given = new Set(
    [...parsed.given].filter(
      (k) => k !== 'resume' && k !== 'out' && k !== 'pick' && k !== 'queue' && k !== 'queue-attempts',
    ),
  );
  return {
    kind: 'run',
    options: {
      csv: typeof csv === 'string' ? csv : '',
      out,
      backend: (backend ?? 'wasm') as CliBackend,
      split,
      resume,
      config,
      finalEpochs,
      pick,
      queue,
      queueAttempts,
    },
    given,
  };
}
