/**
 * The run log (`run.json`): one plain-JSON record of a run, built from its RunEvent stream. The lab's "Download run
 * log" and the CLI write the same format, and the lab can import it again (parseRunLog). Pure: no tfjs, no DOM.
 *
 * Usage:
 * ```ts
 * const log = new RunLogBuilder({ dataset: { name, synthetic, count, split: 'canonical', train, val, test } });
 * worker.onEvent((e) => log.add(e));
 * download(JSON.stringify(log.toJSON(), null, 2));
 * ```
 * Timing fields (they differ between two runs of the same seed): createdAt, finishedAt, seconds (run, phases and
 * individuals). Everything else is a function of the seed, the settings and the data.
 */
import { chromosomeKey, validateChromosome, type Chromosome } from '../ga/chromosome';
import type { CandidateStatus, IndividualRecord, RunConfig, RunEvent } from './types';

/** The value of `format` in every run log. */
export const RUN_LOG_FORMAT = 'evolab-run-log';
/** The version of the format this module writes and reads. */
export const RUN_LOG_VERSION = 1;

/** The data a run used: which file, how it was split and how many images each split held. */
export interface RunLogDataset {
  readonly name: string;
  readonly synthetic: boolean;
  /** Rows in the loaded dataset. */
  readonly count: number;
  /** Split mode (canonical, paper, paper-clean). */
  readonly split: string;
  readonly train: number;
  readonly val: number;
  readonly test: number;
}

/** One phase (the initial population is phase 0) with its individuals in index order. */
export interface RunLogPhase {
  readonly phase: number;
  readonly individuals: IndividualRecord[];
  /** Best, mean and lowest fitness of the phase's successful individuals; null until the phase is done or when none succeeded. */
  readonly best: number | null;
  readonly mean: number | null;
  readonly min: number | null;
  /** Seconds spent evaluating this phase. */
  readonly seconds: number;
  readonly done: boolean;
}

/** The best network of the run and its score on the test split, which the GA never saw. */
export interface RunLogBest {
  readonly chromosome: Chromosome;
  /** Validation accuracy: the GA's fitness. */
  readonly valAccuracy: number | null;
  readonly phase: number | null;
  readonly index: number | null;
  readonly params: number | null;
  /** Null until the test evaluation ran (a stopped run has none). */
  readonly testAccuracy: number | null;
  readonly testLoss: number | null;
  readonly testCount: number;
  /** 7 numbers; null for a class without test images. */
  readonly perClassAccuracy: (number | null)[] | null;
  /** confusion[true][predicted] counts on the test split. */
  readonly confusion: number[][] | null;
}

export type RunLogOutcome = 'running' | 'done' | 'stopped';

/** The whole run.json. */
export interface RunLog {
  readonly format: typeof RUN_LOG_FORMAT;
  readonly version: typeof RUN_LOG_VERSION;
  /** ISO time of the first event; a resumed run keeps the original. */
  readonly createdAt: string;
  /** ISO time of the last run-done event; null while running. */
  readonly finishedAt: string | null;
  /** Seconds of evaluation summed over phases (wall time of a resumed run excludes the pause). */
  readonly seconds: number;
  readonly seed: number;
  readonly config: RunConfig;
  readonly dataset: RunLogDataset;
  readonly backend: { readonly name: string; readonly reason: string };
  /** Phases the run was set up for: generations + 1. */
  readonly phasesPlanned: number;
  readonly phases: RunLogPhase[];
  readonly best: RunLogBest | null;
  readonly outcome: RunLogOutcome;
}

/** What the builder needs besides the events. */
export interface RunLogMeta {
  readonly dataset: RunLogDataset;
  /** Clock for createdAt / finishedAt; default `() => new Date()`. */
  readonly now?: () => Date;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** JSON has no NaN: a class without rows (NaN accuracy) is written as null. */
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Folds RunEvents into a RunLog; restore a saved log with `RunLogBuilder.from(log)` to continue after a resume. */
export class RunLogBuilder {
  private readonly log: Mutable<RunLog>;
  private readonly now: () => Date;

  constructor(meta: RunLogMeta, restored?: RunLog) {
    this.now = meta.now ?? ((): Date => new Date());
    this.log = restored
      ? (clone(restored) as Mutable<RunLog>)
      : {
          format: RUN_LOG_FORMAT,
          version: RUN_LOG_VERSION,
          createdAt: this.now().toISOString(),
          finishedAt: null,
          seconds: 0,
          seed: 0,
          config: null as unknown as RunConfig,
          dataset: clone(meta.dataset),
          backend: { name: '', reason: '' },
          phasesPlanned: 0,
          phases: [],
          best: null,
          outcome: 'running',
        };
  }

  /** Continues a saved log (e.g. from a checkpoint): later events add to it. */
  static from(log: RunLog, now?: () => Date): RunLogBuilder {
    return new RunLogBuilder({ dataset: log.dataset, ...(now ? { now } : {}) }, log);
  }

  /** Applies one event; progress and candidate-started events change nothing (the log holds results only). */
  add(event: RunEvent): void {
    const log = this.log;
    switch (event.type) {
      case 'run-started':
        log.config = clone(event.config);
        log.seed = event.config.seed;
        log.backend = { name: event.backend.name, reason: event.backend.reason };
        log.phasesPlanned = event.phases;
        log.outcome = 'running';
        log.finishedAt = null;
        break;
      case 'evaluated': {
        // Only the record's own fields: extras such as `memory` depend on the machine, not on the run.
        const record: IndividualRecord = {
          phase: event.phase, index: event.index, chromosome: clone(event.chromosome), fitness: event.fitness, status: event.status,
          ...(event.reason === undefined ? {} : { reason: event.reason }), seconds: event.seconds, params: event.params,
        };
        this.phase(record.phase).individuals[record.index] = record;
        break;
      }
      case 'phase-done': {
        const phase = this.phase(event.phase) as Mutable<RunLogPhase>;
        phase.best = event.best;
        phase.mean = event.mean;
        phase.min = event.min;
        phase.seconds = event.seconds;
        phase.done = true;
        log.seconds = log.phases.reduce((a, p) => a + p.seconds, 0);
        break;
      }
      case 'test-result': {
        const ev = event.evaluation;
        const own = this.bestRecordOf(event.chromosome);
        log.best = {
          chromosome: clone(event.chromosome),
          valAccuracy: own?.fitness ?? null,
          phase: own?.phase ?? null,
          index: own?.index ?? null,
          params: own?.params ?? null,
          testAccuracy: ev.accuracy,
          testLoss: finiteOrNull(ev.loss),
          testCount: ev.count,
          perClassAccuracy: ev.perClassAccuracy.map(finiteOrNull),
          confusion: clone(ev.confusion),
        };
        break;
      }
      case 'run-done':
        log.outcome = event.outcome;
        log.finishedAt = this.now().toISOString();
        // The tested model (test-result) is the one whose weights exist; without a test, the engine's best is reported.
        if (log.best === null && event.best !== null) {
          const b = event.best;
          log.best = {
            chromosome: clone(b.chromosome), valAccuracy: b.fitness, phase: b.phase, index: b.index, params: b.params,
            testAccuracy: null, testLoss: null, testCount: 0, perClassAccuracy: null, confusion: null,
          };
        }
        break;
      case 'candidate-started':
      case 'progress':
        break;
    }
  }

  /** A deep copy of the log as it stands (safe to serialise or keep). */
  toJSON(): RunLog {
    return clone(this.log);
  }

  private phase(n: number): RunLogPhase {
    const phases = this.log.phases;
    while (phases.length <= n) {
      phases.push({ phase: phases.length, individuals: [], best: null, mean: null, min: null, seconds: 0, done: false });
    }
    return phases[n] as RunLogPhase;
  }

  /** The highest-fitness successful record of this chromosome (the earliest on ties). */
  private bestRecordOf(c: Chromosome): IndividualRecord | null {
    const key = chromosomeKey(c);
    let found: IndividualRecord | null = null;
    for (const p of this.log.phases) {
      for (const r of p.individuals) {
        if (r && r.fitness !== null && chromosomeKey(r.chromosome) === key && (found === null || r.fitness > (found.fitness ?? -1))) found = r;
      }
    }
    return found;
  }
}

/** The run log of a complete list of events. */
export function runLogFromEvents(events: Iterable<RunEvent>, meta: RunLogMeta): RunLog {
  const builder = new RunLogBuilder(meta);
  for (const e of events) builder.add(e);
  return builder.toJSON();
}

/** A copy of the log without its timing fields, for comparing two runs of the same seed. */
export function withoutTimings(log: RunLog): Omit<RunLog, 'createdAt' | 'finishedAt' | 'seconds'> {
  const { createdAt: _c, finishedAt: _f, seconds: _s, ...rest } = clone(log);
  return {
    ...rest,
    phases: rest.phases.map((p) => ({ ...p, seconds: 0, individuals: p.individuals.map((i) => ({ ...i, seconds: 0 })) })),
  };
}

const STATUSES: readonly CandidateStatus[] = ['trained', 'cached', 'failed', 'diverged', 'over-budget', 'skipped'];

/** Thrown by parseRunLog; the message names the offending field. */
export class RunLogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunLogError';
  }
}

/**
 * Parses and checks a run log (text or an already-parsed value). Throws RunLogError with a one-line message naming
 * the first bad field, e.g. `run log: phases[1].individuals[0].fitness must be a number or null`.
 */
export function parseRunLog(input: unknown): RunLog {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new RunLogError(`run log: not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  const fail = (path: string, what: string): never => {
    throw new RunLogError(`run log: ${path} ${what}`);
  };
  const obj = (v: unknown, path: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(path, 'must be an object');
  const arr = (v: unknown, path: string): unknown[] => (Array.isArray(v) ? v : fail(path, 'must be an array'));
  const num = (v: unknown, path: string): number => (typeof v === 'number' && Number.isFinite(v) ? v : fail(path, 'must be a number'));
  const numOrNull = (v: unknown, path: string): number | null =>
    v === null || (typeof v === 'number' && Number.isFinite(v)) ? (v as number | null) : fail(path, 'must be a number or null');
  const int = (v: unknown, path: string): number => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : fail(path, 'must be a non-negative integer'));
  const str = (v: unknown, path: string): string => (typeof v === 'string' ? v : fail(path, 'must be a string'));
  const date = (v: unknown, path: string): string => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : fail(path, 'must be an ISO date'));
  const chromosome = (v: unknown, path: string): Chromosome => {
    const errors = validateChromosome(v);
    return errors.length === 0 ? (v as Chromosome) : fail(path, `is not a valid chromosome: ${errors[0] ?? ''}`);
  };

  const root = obj(value, 'file');
  if (root.format !== RUN_LOG_FORMAT) fail('format', `must be "${RUN_LOG_FORMAT}" (is this an Evolab run log?), got ${JSON.stringify(root.format)}`);
  if (root.version !== RUN_LOG_VERSION) fail('version', `${JSON.stringify(root.version)} is not supported (this build reads version ${RUN_LOG_VERSION})`);
  date(root.createdAt, 'createdAt');
  if (root.finishedAt !== null) date(root.finishedAt, 'finishedAt');
  num(root.seconds, 'seconds');
  num(root.seed, 'seed');
  const config = obj(root.config, 'config');
  for (const k of ['seed', 'populationSize', 'generations', 'crossoverRate', 'mutationRate', 'maxFilters', 'epochs', 'batchSize', 'patience', 'perClass'] as const) {
    num(config[k], `config.${k}`);
  }
  if (typeof config.augmentFlip !== 'boolean') fail('config.augmentFlip', 'must be true or false');
  const net = obj(config.network, 'config.network');
  for (const k of ['denseUnits', 'dropoutConv', 'dropoutDense'] as const) num(net[k], `config.network.${k}`);
  const dataset = obj(root.dataset, 'dataset');
  str(dataset.name, 'dataset.name');
  str(dataset.split, 'dataset.split');
  if (typeof dataset.synthetic !== 'boolean') fail('dataset.synthetic', 'must be true or false');
  for (const k of ['count', 'train', 'val', 'test'] as const) int(dataset[k], `dataset.${k}`);
  const backend = obj(root.backend, 'backend');
  str(backend.name, 'backend.name');
  str(backend.reason, 'backend.reason');
  int(root.phasesPlanned, 'phasesPlanned');
  arr(root.phases, 'phases').forEach((p, pi) => {
    const at = `phases[${pi}]`;
    const phase = obj(p, at);
    if (phase.phase !== pi) fail(`${at}.phase`, `must be ${pi}`);
    for (const k of ['best', 'mean', 'min'] as const) numOrNull(phase[k], `${at}.${k}`);
    num(phase.seconds, `${at}.seconds`);
    if (typeof phase.done !== 'boolean') fail(`${at}.done`, 'must be true or false');
    arr(phase.individuals, `${at}.individuals`).forEach((i, ii) => {
      const iat = `${at}.individuals[${ii}]`;
      const ind = obj(i, iat);
      if (ind.phase !== pi) fail(`${iat}.phase`, `must be ${pi}`);
      if (ind.index !== ii) fail(`${iat}.index`, `must be ${ii}`);
      chromosome(ind.chromosome, `${iat}.chromosome`);
      numOrNull(ind.fitness, `${iat}.fitness`);
      if (!STATUSES.includes(ind.status as CandidateStatus)) fail(`${iat}.status`, `must be one of ${STATUSES.join(', ')}, got ${JSON.stringify(ind.status)}`);
      if (ind.reason !== undefined) str(ind.reason, `${iat}.reason`);
      num(ind.seconds, `${iat}.seconds`);
      int(ind.params, `${iat}.params`);
    });
  });
  if (root.best !== null) {
    const best = obj(root.best, 'best');
    chromosome(best.chromosome, 'best.chromosome');
    for (const k of ['valAccuracy', 'phase', 'index', 'params', 'testAccuracy', 'testLoss'] as const) numOrNull(best[k], `best.${k}`);
    int(best.testCount, 'best.testCount');
    if (best.perClassAccuracy !== null) {
      const pca = arr(best.perClassAccuracy, 'best.perClassAccuracy');
      if (pca.length !== 7) fail('best.perClassAccuracy', 'must have 7 entries');
      pca.forEach((x, c) => numOrNull(x, `best.perClassAccuracy[${c}]`));
    }
    if (best.confusion !== null) {
      const rows = arr(best.confusion, 'best.confusion');
      if (rows.length !== 7) fail('best.confusion', 'must have 7 rows');
      rows.forEach((row, r) => {
        const cells = arr(row, `best.confusion[${r}]`);
        if (cells.length !== 7) fail(`best.confusion[${r}]`, 'must have 7 entries');
        cells.forEach((x, c) => int(x, `best.confusion[${r}][${c}]`));
      });
    }
  }
  if (root.outcome !== 'running' && root.outcome !== 'done' && root.outcome !== 'stopped') {
    fail('outcome', `must be running, done or stopped, got ${JSON.stringify(root.outcome)}`);
  }
  return value as RunLog;
}
