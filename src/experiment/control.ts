/**
 * The run controller: the one owner of Stop, Pause, Resume and Skip for a run. The page (through the worker API's
 * `controlRun`) and the CLI (on Ctrl-C) send it ControlRequests; the experiment and the trainer read it.
 */
import type { ControlDecision, TrainControl } from '../ml/train';

/** Where a candidate sits in the run. */
export interface CandidateRef {
  readonly phase: number;
  readonly index: number;
}

/**
 * A request to the run in progress: plain data, so it crosses the worker boundary as it is. A skip names the
 * candidate the person saw in training; without `candidate` it is for whichever candidate is in training on arrival.
 */
export type ControlRequest =
  | { readonly type: 'stop' }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'skip'; readonly candidate?: CandidateRef };

const same = (a: CandidateRef, b: CandidateRef): boolean => a.phase === b.phase && a.index === b.index;

/**
 * The state of one run's controls. A skip is bound to the candidate in training when it arrives and is dropped when
 * that candidate ends, so a late Skip (during the last validation pass, between candidates) never hits the next one.
 */
export class RunController implements TrainControl {
  private stopped = false;
  private paused = false;
  private training: CandidateRef | null = null;
  private skipping = false;

  /** Applies a request; false when it had nothing to act on (a skip with no candidate in training, or another one). */
  request(r: ControlRequest): boolean {
    switch (r.type) {
      case 'stop':
        this.stopped = true;
        return true;
      case 'pause':
        this.paused = true;
        return true;
      case 'resume':
        this.paused = false;
        return true;
      case 'skip': {
        const current = this.training;
        if (current === null || (r.candidate !== undefined && !same(r.candidate, current))) return false;
        this.skipping = true;
        return true;
      }
    }
  }

  /** True once Stop was requested: the run ends within one batch and starts no other candidate. */
  get stopRequested(): boolean {
    return this.stopped;
  }

  /** True between Pause and Resume: training waits between batches. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** The candidate in training, or null between candidates. */
  get candidate(): CandidateRef | null {
    return this.training;
  }

  /** Marks `candidate` as the one in training: skips from now on are for it. */
  beginCandidate(candidate: CandidateRef): void {
    this.training = { phase: candidate.phase, index: candidate.index };
    this.skipping = false;
  }

  /** Marks the end of the candidate's training; an unconsumed skip for it goes with it. */
  endCandidate(): void {
    this.training = null;
    this.skipping = false;
  }

  /** What the trainer does now: stop beats skip, skip beats pause (both act while paused). */
  check(): ControlDecision {
    if (this.stopped) return 'stop';
    if (this.skipping) return 'skip';
    return this.paused ? 'pause' : 'go';
  }
}
