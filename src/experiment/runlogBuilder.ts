/**
 * Folds a run's RunEvent stream into its run log. The worker's recorder and the CLI build the log this way:
 * ```ts
 * const builder = new RunLogBuilder({ dataset: { name, synthetic, count, split: 'canonical', train, val, test } });
 * onEvent((e) => builder.add(e));
 * write(JSON.stringify(builder.toJSON(), null, 2));
 * ```
 */
import { chromosomeKey, type Chromosome } from '../ga/chromosome';
import { RUN_LOG_FORMAT, RUN_LOG_VERSION, type RunLog, type RunLogDataset, type RunLogPhase } from './runlog';
import type { IndividualRecord, RunConfig, RunEvent } from './types';

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
          phase: event.phase,
          index: event.index,
          chromosome: clone(event.chromosome),
          fitness: event.fitness,
          status: event.status,
          ...(event.reason === undefined ? {} : { reason: event.reason }),
          seconds: event.seconds,
          params: event.params,
          ...(event.flops === undefined ? {} : { flops: event.flops }),
          ...(event.epochsTrained === undefined ? {} : { epochsTrained: event.epochsTrained }),
          ...(event.rung === undefined ? {} : { rung: event.rung }),
          ...(event.rungs === undefined ? {} : { rungs: clone(event.rungs) }),
          ...(event.partial ? { partial: true as const } : {}),
          ...(event.objectives === undefined ? {} : { objectives: clone(event.objectives) }),
        };
        // A later rung's record replaces the earlier one: the log keeps where each individual ended.
        this.phase(record.phase).individuals[record.index] = record;
        break;
      }
      case 'rung-started':
        (this.phase(event.phase) as Mutable<RunLogPhase>).rungEpochs = [...event.rungEpochs];
        break;
      case 'front':
        (this.phase(event.phase) as Mutable<RunLogPhase>).front = clone(event.members);
        break;
      case 'phase-done': {
        const phase = this.phase(event.phase) as Mutable<RunLogPhase>;
        if (event.front !== undefined) phase.front = clone(event.front);
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
        const picked = event.chosen
          ? (this.log.phases[event.chosen.phase]?.individuals[event.chosen.index] ?? null)
          : null;
        const own = picked ?? this.bestRecordOf(event.chromosome);
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
          ...(event.chosen ? { chosen: true } : {}),
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
            chromosome: clone(b.chromosome),
            valAccuracy: b.fitness,
            phase: b.phase,
            index: b.index,
            params: b.params,
            testAccuracy: null,
            testLoss: null,
            testCount: 0,
            perClassAccuracy: null,
            confusion: null,
          };
        }
        break;
      case 'final-done':
        if (event.outcome === 'done' && event.result) log.final = clone(event.result);
        break;
      case 'candidate-started':
      case 'progress':
      case 'final-started':
      case 'final-progress':
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
      phases.push({
        phase: phases.length,
        individuals: [],
        best: null,
        mean: null,
        min: null,
        seconds: 0,
        done: false,
      });
    }
    return phases[n] as RunLogPhase;
  }

  /** The highest-fitness successful record of this chromosome (the earliest on ties). */
  private bestRecordOf(c: Chromosome): IndividualRecord | null {
    const key = chromosomeKey(c);
    let found: IndividualRecord | null = null;
    for (const p of this.log.phases) {
      for (const r of p.individuals) {
        if (
          r &&
          r.fitness !== null &&
          r.partial !== true &&
          chromosomeKey(r.chromosome) === key &&
          (found === null || r.fitness > (found.fitness ?? -1))
        )
          found = r;
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
