/**
 * Runs in the worker, one at a time: each is driven with a recorder that saves it as it goes and owns its run log, and
 * with the control the page's Pause, Resume, Skip and Stop write to. The page asks for the log; it never rebuilds it.
 */
import type { Dataset } from '../data/dataset';
import { chromosomeKey, type Chromosome } from '../ga/chromosome';
import type { BackendChoice } from '../ml/backend';
import type { NetworkSettings } from '../ml/model';
import { trainCandidate } from '../ml/train';
import type { TrainedNetwork } from '../ml/trained';
import { parseSimulate, type SimulatedFaults } from '../persist/codec';
import { RunController, type ControlRequest } from '../experiment/control';
import { trainFinal } from '../experiment/final';
import type { FinalResult } from '../experiment/finalResult';
import { evaluateModel, runEvolution, type BestModel, type FrontModel, type RunInput } from '../experiment/run';
import type { RunLog } from '../experiment/runlog';
import type { FinalOutcome, IndividualRef, RunConfig, RunEvent } from '../experiment/types';
import type { RunRecorder } from '../persist/recorder';
import { runLogToEvents } from '../persist/replay';
import { settingByKey } from '../settings';
import type { FinalRequest, ModelSource } from './api';
import type { Datasets } from './datasets';
import { logDataset, type RunStorage } from './storage';

/** A trained network the lab hands out: a run's best (the search's) or its final network (Train best longer). */
export interface ServedModel {
  readonly source: ModelSource;
  readonly trained: TrainedNetwork;
  readonly network: NetworkSettings;
  /** Metrics that go into model.json's metadata. */
  readonly info: Readonly<Record<string, unknown>>;
}

/** Models kept in memory, by run: a session seldom needs more, and each can be megabytes of weights. */
const MODELS_KEPT = 4;

/** What a final network's model.json says of it. */
function finalInfo(r: FinalResult): Record<string, unknown> {
  return {
    valAccuracy: r.valAccuracy,
    testAccuracy: r.testAccuracy,
    seed: r.seed,
    final: { epochs: r.config.epochs, keptEpoch: r.keptEpoch, augmentFlip: r.config.augmentFlip },
  };
}

/** What a search's best network's model.json says of it (the same whether it was trained here or read from storage). */
function searchInfo(best: BestModel, testAccuracy: number | null, config: RunConfig): Record<string, unknown> {
  return { valAccuracy: best.fitness, testAccuracy, seed: config.seed };
}

/** The run in progress or the last one, its control, and the networks the lab can hand out. */
export class Runs {
  /** The training backend; runs wait for it (see the API's init). */
  backend: BackendChoice | null = null;
  /** The `?simulate=` test hook's crashes (crash:N, abort:N); none unless the page asks. */
  faults: SimulatedFaults = parseSimulate(null);
  /** Candidates evaluated by this worker, over all its runs: what the simulated crashes count. */
  private evaluatedHere = 0;
  /** The controller of the run in progress: the worker owns it, the page sends it requests through controlRun. */
  private active: RunController | null = null;
  /** The recorder of the run in progress, or of the last one: its log is the run log the page downloads. */
  private recorder: RunRecorder | null = null;
  /** Networks trained in this worker or loaded from saved runs, by run id; the lab hands out `served`'s. */
  private readonly models = new Map<string, ServedModel>();
  private served: string | null = null;
  /**
   * The last run this worker drove (or resumed) with a best network: what Train best longer trains without a run id
   * (the chosen front member once Use this model picked one), and its front members' weights for Use this model.
   */
  private last: {
    readonly id: string;
    readonly config: RunConfig;
    readonly chromosome: Chromosome;
    readonly data: Dataset;
    readonly front: readonly FrontModel[];
  } | null = null;

  constructor(
    private readonly storage: RunStorage,
    private readonly datasets: Datasets,
  ) {}

  /** True while a run, a resumed run or a final training holds the worker. */
  get busy(): boolean {
    return this.active !== null;
  }

  /** Runs the GA on the dataset in memory to the end (or until stopped), reporting every step through `onEvent`. */
  async run(config: RunConfig, onEvent: (event: RunEvent) => void): Promise<'done' | 'stopped'> {
    const backend = this.requireBackend();
    const data = this.datasets.current();
    if (this.active) throw new Error('a run is already in progress');
    const splits = this.datasets.splitsFor(config);
    const control = new RunController();
    this.active = control;
    let recorder: RunRecorder | null = null;
    try {
      const dataset = await this.datasets.keepCopy(await this.datasets.describe());
      recorder = await this.storage.begin(config, data, splits, dataset);
      this.storage.notifyDataCopy(recorder.id, dataset);
      return await this.drive({ config, data, splits, backend, control, emit: onEvent }, recorder);
    } finally {
      if (recorder) this.storage.end(recorder);
      this.active = null;
    }
  }

  /** Continues a saved run from its checkpoint: replays its saved results through `onEvent`, then runs to the end. */
  async resume(id: string, onEvent: (event: RunEvent) => void): Promise<'done' | 'stopped'> {
    const backend = this.requireBackend();
    if (this.active) throw new Error('a run is already in progress');
    const control = new RunController();
    this.active = control;
    let recorder: RunRecorder | null = null;
    try {
      const taken = await this.storage.resume(id);
      recorder = taken.recorder;
      const problem = await this.datasets.mismatch(taken.dataset);
      const data = problem ? null : this.datasets.loaded();
      if (!data) throw new Error(problem ?? "load the run's data first");
      const config = taken.log.config;
      const splits = this.datasets.splitsFor(config);
      // The page shows the candidates evaluated before the interruption again, then the run goes on from its checkpoint.
      for (const e of runLogToEvents(taken.log, backend.software)) onEvent(e);
      return await this.drive(
        { config, data, splits, backend, control, emit: onEvent, resume: taken.checkpoint },
        recorder,
      );
    } finally {
      if (recorder) this.storage.end(recorder);
      this.active = null;
    }
  }

  /** Stop, Pause, Resume or Skip for the run in progress; false when there was nothing to act on. */
  control(request: ControlRequest): boolean {
    return this.active?.request(request) ?? false;
  }

  /** The run log of the run in progress, or of the last run this worker drove. */
  runLog(): RunLog {
    if (!this.recorder) throw new Error('no run yet: start one first');
    return this.recorder.log();
  }

  /** The network Download model and Try the model use: the last run's best, or a final network trained or opened since. */
  model(): ServedModel {
    const m = this.served === null ? undefined : this.models.get(this.served);
    if (!m)
      throw new Error(
        'no trained model here: run the GA first (a saved run keeps its model only once it was trained longer)',
      );
    return m;
  }

  /**
   * Trains the best chromosome of run `request.runId` (or of the last run) again from scratch; when it finishes its
   * network is the one the lab hands out and is saved with the run. Stopped through `control` like a run.
   */
  async trainFinal(request: FinalRequest, onEvent: (event: RunEvent) => void): Promise<FinalOutcome> {
    const backend = this.requireBackend();
    if (this.active) throw new Error('a run or a training is already in progress');
    const epochs = settingByKey('epochs');
    if (
      epochs.kind !== 'int' ||
      !Number.isInteger(request.epochs) ||
      request.epochs < epochs.min ||
      request.epochs > epochs.max
    ) {
      throw new Error(
        `the final training's epochs must be a whole number from ${epochs.kind === 'int' ? `${epochs.min} to ${epochs.max}` : 'the allowed range'}`,
      );
    }
    const control = new RunController();
    this.active = control;
    let release: (() => void) | null = null;
    try {
      const target = await this.finalTarget(request.runId);
      // Another tab resuming or training the same run would write the same record.
      release = await this.storage.lockRun(target.id);
      const config: RunConfig = { ...target.config, epochs: request.epochs, augmentFlip: request.augmentFlip };
      const splits = this.datasets.splitsOf(target.data, config);
      // The last run's log in memory takes the final training too (what Download run log gives).
      const recorder = this.recorder?.id === target.id ? this.recorder : null;
      const run = await trainFinal({
        chromosome: target.chromosome,
        config,
        data: target.data,
        splits,
        dataset: logDataset(config, target.data, splits),
        backend,
        control,
        emit: (e) => {
          recorder?.event(e);
          onEvent(e);
        },
      });
      if (run.outcome === 'done' && run.result && run.weights) {
        const r = run.result;
        this.serve(target.id, {
          source: 'final',
          trained: { chromosome: r.chromosome, weights: run.weights },
          network: r.config.network,
          info: finalInfo(r),
        });
        await this.storage.saveFinal(target.id, r, run.weights);
      }
      return run.outcome;
    } finally {
      release?.();
      this.active = null;
    }
  }

  /**
   * Makes run `id`'s network the one the lab hands out: its final network (saved, else trained here), else the front
   * member a person chose for it (Use this model), else its best network (saved with the run, else trained here); null
   * (and nothing handed out) when there is none, as for an imported run log.
   */
  async openModel(id: string): Promise<ModelSource | null> {
    const saved = await this.storage.loadFinal(id).catch(() => null);
    if (saved) {
      const r = saved.result;
      this.serve(id, {
        source: 'final',
        trained: { chromosome: r.chromosome, weights: saved.weights },
        network: r.config.network,
        info: finalInfo(r),
      });
      return 'final';
    }
    const kept = this.models.get(id);
    if (kept?.source === 'final') {
      this.served = id;
      return 'final';
    }
    // A front member a person chose is the run's model from then on, ahead of the search's best.
    const chosen = await this.storage.loadChosen(id).catch(() => null);
    const log = chosen ? await this.storage.runLog(id) : null;
    if (chosen && log) {
      this.serve(id, {
        source: 'search',
        trained: chosen,
        network: log.config.network,
        info: {
          valAccuracy: log.best?.valAccuracy ?? null,
          testAccuracy: log.best?.testAccuracy ?? null,
          seed: log.seed,
        },
      });
      return 'search';
    }
    // The saved best before the one in memory: another tab may have resumed and finished the run since.
    const best = await this.storage.loadBest(id).catch(() => null);
    if (best) {
      const config = best.record.runLog.config;
      this.serve(id, {
        source: 'search',
        trained: best.best,
        network: config.network,
        info: searchInfo(best.best, best.record.runLog.best?.testAccuracy ?? null, config),
      });
      return 'search';
    }
    this.served = kept ? id : null;
    return kept?.source ?? null;
  }

  private serve(runId: string, model: ServedModel): void {
    this.models.delete(runId);
    this.models.set(runId, model);
    while (this.models.size > MODELS_KEPT) this.models.delete(this.models.keys().next().value as string);
    this.served = runId;
  }

  /** What Train best longer trains: the chromosome, the run's settings and the very data of run `runId` (or of the last run). */
  private async finalTarget(
    runId: string | undefined,
  ): Promise<{ id: string; config: RunConfig; chromosome: Chromosome; data: Dataset }> {
    if (runId === undefined || runId === this.last?.id) {
      if (!this.last) throw new Error('no run has a best network yet: run the GA first');
      return this.last;
    }
    const record = await this.storage.record(runId);
    const log = record.runLog;
    if (!log.best)
      throw new Error('this run trained no network successfully, so it has no best chromosome to train again');
    return {
      id: runId,
      config: log.config,
      chromosome: log.best.chromosome,
      data: await this.datasets.dataOf(record.dataset, log.config),
    };
  }

  /**
   * Use this model: a front member of the last run becomes the network Download model, Try the model and Train best
   * longer use; it is scored on the test split and the choice is kept in the run log and saved with its weights.
   */
  async useFrontModel(member: IndividualRef & { chromosome: Chromosome }): Promise<RunEvent> {
    if (this.active) throw new Error('the run is still going: choose a model when it has ended (or stop it)');
    const run = this.last;
    const key = chromosomeKey(member.chromosome);
    const m = run?.front.find(
      (f) => f.phase === member.phase && f.index === member.index && chromosomeKey(f.chromosome) === key,
    );
    if (!run || !m) {
      throw new Error(
        "this network's weights are not kept here: only the Pareto front of the last run in this tab is (a network's weights are dropped when it leaves the front)",
      );
    }
    const splits = this.datasets.splitsOf(run.data, run.config);
    const evaluation = await evaluateModel(m, run.config.network, run.data, splits.test);
    const event: RunEvent = {
      type: 'test-result',
      chromosome: m.chromosome,
      evaluation,
      chosen: { phase: m.phase, index: m.index },
    };
    if (this.recorder?.id === run.id) this.recorder.event(event);
    this.last = { ...run, chromosome: m.chromosome };
    this.serve(run.id, {
      source: 'search',
      trained: m,
      network: run.config.network,
      info: {
        valAccuracy: m.fitness,
        testAccuracy: splits.test.length > 0 ? evaluation.accuracy : null,
        seed: run.config.seed,
        chosen: { phase: m.phase, index: m.index },
      },
    });
    await this.storage.choose(run.id, event, m);
    return event;
  }

  private requireBackend(): BackendChoice {
    if (!this.backend) throw new Error('the training backend is not initialised yet');
    return this.backend;
  }

  /** Runs the GA with every event and checkpoint also given to `recorder`; the run goes on if saving fails. */
  private async drive(input: RunInput, recorder: RunRecorder): Promise<'done' | 'stopped'> {
    this.recorder = recorder;
    const onEvent = input.emit;
    const { crashAfter, abortAfter } = this.faults;
    const result = await runEvolution({
      ...input,
      emit: (e) => {
        recorder.event(e);
        onEvent(e);
        if (e.type === 'evaluated') this.evaluatedHere++;
      },
      onCheckpoint: async (cp) => {
        await recorder.checkpoint(cp);
        if (crashAfter !== null && this.evaluatedHere >= crashAfter) await simulateCrash(crashAfter);
      },
      ...(abortAfter === null
        ? {}
        : {
            train: (train, opts) =>
              trainCandidate(train, {
                ...opts,
                // Thrown inside the training step, where a wasm abort on out-of-memory surfaces.
                control: {
                  check: () => {
                    if (this.evaluatedHere >= abortAfter)
                      throw new WebAssembly.RuntimeError(`Aborted(OOM) (simulated by ?simulate=abort:${abortAfter})`);
                    return opts?.control?.check() ?? 'go';
                  },
                },
              }),
          }),
    });
    if (result.best) {
      const { best } = result;
      const test = recorder.log().best;
      this.last = {
        id: recorder.id,
        config: input.config,
        chromosome: best.chromosome,
        data: input.data,
        front: result.front,
      };
      this.serve(recorder.id, {
        source: 'search',
        trained: best,
        network: input.config.network,
        info: searchInfo(best, test?.testAccuracy ?? null, input.config),
      });
    }
    await recorder.finish(result.outcome, result.best);
    return result.outcome;
  }
}

/** The `crash:N` test hook: an error escapes every handler (the page sees the worker die), and this run goes no further. */
function simulateCrash(after: number): Promise<never> {
  setTimeout(() => {
    throw new Error(`simulated crash after ${after} candidate${after === 1 ? '' : 's'} (?simulate=crash:${after})`);
  }, 0);
  return new Promise<never>(() => undefined);
}
