/**
 * Runs in the worker, one at a time: each is driven with a recorder that saves it as it goes and owns its run log, and
 * with the control the page's Pause, Resume, Skip and Stop write to. The page asks for the log; it never rebuilds it.
 */
import type { BackendChoice } from '../ml/backend';
import { RunController, type ControlRequest } from '../experiment/control';
import { runEvolution, type BestModel, type RunInput } from '../experiment/run';
import type { RunLog } from '../experiment/runlog';
import type { RunConfig, RunEvent } from '../experiment/types';
import type { RunRecorder } from '../persist/recorder';
import { runLogToEvents } from '../persist/replay';
import type { Datasets } from './datasets';
import type { RunStorage } from './storage';

/** The best network of a run with the settings it was trained with. */
export interface RunBest {
  readonly best: BestModel;
  readonly config: RunConfig;
}

/** The run in progress or the last one, its control, and the best network of the last run that had one. */
export class Runs {
  /** The training backend; runs wait for it (see the API's init). */
  backend: BackendChoice | null = null;
  /** The controller of the run in progress: the worker owns it, the page sends it requests through controlRun. */
  private active: RunController | null = null;
  /** The recorder of the run in progress, or of the last one: its log is the run log the page downloads. */
  private recorder: RunRecorder | null = null;
  private best: RunBest | null = null;

  constructor(
    private readonly storage: RunStorage,
    private readonly datasets: Datasets,
  ) {}

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
      recorder = await this.storage.begin(config, data, splits, await this.datasets.describe());
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
      if (!data) throw new Error(problem ?? 'load the run\'s data first');
      const config = taken.log.config;
      const splits = this.datasets.splitsFor(config);
      // The page shows the candidates evaluated before the interruption again, then the run goes on from its checkpoint.
      for (const e of runLogToEvents(taken.log, backend.software)) onEvent(e);
      return await this.drive({ config, data, splits, backend, control, emit: onEvent, resume: taken.checkpoint }, recorder);
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

  /** The best network of the last run that trained one. */
  lastBest(): RunBest {
    if (!this.best) throw new Error('no trained model yet: run the GA first');
    return this.best;
  }

  private requireBackend(): BackendChoice {
    if (!this.backend) throw new Error('the training backend is not initialised yet');
    return this.backend;
  }

  /** Runs the GA with every event and checkpoint also given to `recorder`; the run goes on if saving fails. */
  private async drive(input: RunInput, recorder: RunRecorder): Promise<'done' | 'stopped'> {
    this.recorder = recorder;
    const onEvent = input.emit;
    const result = await runEvolution({
      ...input,
      emit: (e) => {
        recorder.event(e);
        onEvent(e);
      },
      onCheckpoint: (cp) => recorder.checkpoint(cp),
    });
    if (result.best) this.best = { best: result.best, config: input.config };
    await recorder.finish(result.outcome);
    return result.outcome;
  }
}
