/**
 * The run log (`run.json`): one plain-JSON record of a run, built from its RunEvent stream (runlogBuilder.ts) and read
 * back with parseRunLog (runlogParser.ts). The lab's "Download run log", its saved runs and the CLI all write this
 * format; it is a contract, so fields are only ever added. Pure: no tfjs, no DOM.
 *
 * Timing fields (they differ between two runs of the same seed): createdAt, finishedAt, seconds (run, phases and
 * individuals), the final training's seconds and imagesPerSecond, and each individual's measured latency
 * (`objectives.latencyMs`). Everything else is a function of the seed, the settings and the data, except in a run that
 * optimises latency, whose search itself follows the timings.
 */
import type { Chromosome } from '../ga/chromosome';
import { finalWithoutTimings, type FinalResult } from './finalResult';
import type { IndividualRecord, IndividualRef, RunConfig } from './types';

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
  /** With successive halving, each individual's record after the last rung it reached. */
  readonly individuals: IndividualRecord[];
  /** Successive halving: the epochs of each rung of this phase, lowest first. */
  readonly rungEpochs?: number[];
  /**
   * Best, mean and lowest fitness of the phase's successful individuals (the best only over those trained the full
   * epochs); null until the phase is done or when none succeeded.
   */
  readonly best: number | null;
  readonly mean: number | null;
  readonly min: number | null;
  /** Seconds spent evaluating this phase. */
  readonly seconds: number;
  readonly done: boolean;
  /**
   * Multi-objective runs: the Pareto front of every individual evaluated up to this phase (as it stood at the phase's
   * end, or at its latest candidate while it runs), best accuracy first, as places of individuals.
   */
  readonly front?: IndividualRef[];
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
  /** True when a person picked this front member (Use this model in the lab, --pick in the CLI) instead of the default. */
  readonly chosen?: boolean;
}

/** How the run ended, or `running` while it goes on (or when it was interrupted). */
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
  /**
   * The best chromosome trained again for longer after the search (`evolve --final-epochs N`, the lab's Train best
   * longer), with its test figures; absent until such a training finished.
   */
  readonly final?: FinalResult;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A copy of the log without its timing fields (seconds and measured latencies set to 0), for comparing two runs of the same seed. */
export function withoutTimings(log: RunLog): Omit<RunLog, 'createdAt' | 'finishedAt' | 'seconds'> {
  const { createdAt: _c, finishedAt: _f, seconds: _s, ...rest } = clone(log);
  return {
    ...rest,
    ...(rest.final ? { final: finalWithoutTimings(rest.final) } : {}),
    phases: rest.phases.map((p) => ({
      ...p,
      seconds: 0,
      individuals: p.individuals.map((i) => ({
        ...i,
        seconds: 0,
        ...(i.rungs ? { rungs: i.rungs.map((r) => ({ ...r, seconds: 0 })) } : {}),
        ...(i.objectives ? { objectives: { ...i.objectives, latencyMs: 0 } } : {}),
      })),
    })),
  };
}
