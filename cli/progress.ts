/**
 * Progress of an `evolve` run (and of a final training, `npm run train`) on stderr: one updating line on a terminal
 * (phase, candidate, epoch, batch, img/s, ETA), plain lines (one per epoch, candidate and phase) when stderr is a file or
 * a pipe.
 */
import type { RunEvent } from '../src/experiment/types';
import { duration, pct } from '../src/experiment/format';

export interface ProgressSink {
  readonly isTTY: boolean;
  readonly columns?: number;
  write(text: string): void;
}

/** Turns RunEvents into progress output; `now` in ms is injectable for tests. */
export class ProgressReporter {
  private phases = 1;
  private population = 1;
  private evaluated = 0;
  private secondsTrained = 0;
  private trainedCount = 0;
  private candidateStart = 0;
  private current: { phase: number; index: number } | null = null;
  /** Successive halving: the rung of the training in progress, as "rung 2/3 (4 epochs)". */
  private rungText = '';
  /** Individuals evaluated once or more (a later rung evaluates some again). */
  private readonly seen = new Set<string>();
  private lineShown = false;
  private finalStart = 0;

  /** `finalLabel` starts the lines of a final training ('final training' after a search, 'train' for `npm run train`). */
  constructor(
    private readonly sink: ProgressSink,
    private readonly now: () => number = () => performance.now(),
    private readonly finalLabel = 'final training',
  ) {}

  /** Prints a message on its own line (above the progress line on a terminal). */
  message(text: string): void {
    this.clearLine();
    this.sink.write(`${text}\n`);
  }

  /** A progress line that the next one replaces on a terminal, or a plain line in a file or pipe (--browser relays the lab's text this way). */
  live(text: string): void {
    if (this.sink.isTTY) this.status(text);
    else this.sink.write(`${text}\n`);
  }

  /** Ends the updating line so that later output starts on a fresh line. */
  finish(): void {
    this.clearLine();
  }

  handle(e: RunEvent): void {
    switch (e.type) {
      case 'run-started':
        this.phases = e.phases;
        this.population = e.config.populationSize;
        this.message(
          `evolve: ${e.phases} phases x ${e.config.populationSize} candidates, ${e.config.epochs} epochs each${e.config.fidelity === 'halving' ? ' (successive halving)' : ''}` +
            `${e.config.strategy === 'random' ? ', random search' : ''}, on ${e.backend.name}`,
        );
        break;
      case 'rung-started':
        this.message(
          e.rung === 0
            ? `phase ${e.phase + 1}/${this.phases}: successive halving in ${e.rungEpochs.length} rung${e.rungEpochs.length === 1 ? '' : 's'} of ${e.rungEpochs.join(', ')} epochs`
            : `phase ${e.phase + 1}/${this.phases} rung ${e.rung + 1}/${e.rungEpochs.length}: ${e.indices.length} candidate${e.indices.length === 1 ? '' : 's'} (${e.indices.map((i) => i + 1).join(', ')}) continue to ${e.rungEpochs[e.rung] ?? '?'} epochs`,
        );
        break;
      case 'candidate-started':
        this.current = { phase: e.phase, index: e.index };
        this.candidateStart = this.now();
        this.rungText =
          e.rung === undefined ? '' : ` rung ${e.rung + 1}/${e.rungCount ?? 1} (${e.epochs ?? '?'} epochs)`;
        if (!this.sink.isTTY)
          this.sink.write(
            `${this.where(e.phase, e.index)}${this.rungText}: training (${e.params.toLocaleString('en-US')} parameters)\n`,
          );
        else this.status(`${this.where(e.phase, e.index)}${this.rungText}: building network`);
        break;
      case 'progress': {
        const p = e.progress;
        const done = (p.epoch - 1 + p.batch / Math.max(1, p.batches)) / Math.max(1, p.epochs);
        const eta = this.eta(done);
        const base = `${this.where(e.phase, e.index)} epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} ${p.imagesPerSecond.toFixed(0)} img/s`;
        if (p.kind === 'epoch') {
          const text = `${base} loss ${p.loss.toFixed(4)} val acc ${pct(p.valAccuracy ?? null)} ETA ${eta}`;
          if (this.sink.isTTY) this.status(text);
          else this.sink.write(`${text}\n`);
        } else if (this.sink.isTTY) {
          this.status(`${base} loss ${p.loss.toFixed(4)} ETA ${eta}`);
        }
        break;
      }
      case 'evaluated': {
        const key = `${e.phase}:${e.index}`;
        const again = this.seen.has(key);
        this.seen.add(key);
        if (!again) this.evaluated++;
        if (e.status === 'trained' && !again) {
          this.trainedCount++;
          this.secondsTrained += e.seconds;
        }
        this.current = null;
        const why = e.reason ? ` (${e.reason})` : '';
        const rung = e.rung === undefined ? '' : ` rung ${e.rung + 1}`;
        const epochs =
          e.epochsTrained === undefined || e.status === 'cached'
            ? ''
            : `, ${e.epochsTrained} epoch${e.epochsTrained === 1 ? '' : 's'}`;
        this.message(
          `${this.where(e.phase, e.index)}${rung} ${e.status}${why}: fitness ${pct(e.fitness)} in ${duration(e.seconds)}${epochs}`,
        );
        break;
      }
      case 'phase-done':
        this.message(
          `phase ${e.phase + 1}/${this.phases} done: best ${pct(e.best)}, mean ${pct(e.mean)}, ${duration(e.seconds)}`,
        );
        break;
      case 'test-result':
        this.message(
          `test accuracy of the best network: ${pct(e.evaluation.accuracy)} on ${e.evaluation.count} images`,
        );
        break;
      case 'run-done':
        this.finish();
        break;
      case 'final-started': {
        this.finalStart = this.now();
        const c = e.config;
        this.message(
          `${this.finalLabel}: up to ${c.epochs} epochs, batch ${c.batchSize}, patience ${c.patience === 0 ? 'off' : c.patience}, flip ${c.augmentFlip ? 'on' : 'off'}; ` +
            `${e.params.toLocaleString('en-US')} parameters`,
        );
        break;
      }
      case 'final-progress': {
        const p = e.progress;
        const done = (p.epoch - 1 + p.batch / Math.max(1, p.batches)) / Math.max(1, p.epochs);
        const elapsed = (this.now() - this.finalStart) / 1000;
        const eta = done > 0.02 ? duration((elapsed / done) * (1 - done)) : '?';
        const base = `${this.finalLabel}: epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} ${p.imagesPerSecond.toFixed(0)} img/s loss ${p.loss.toFixed(4)}`;
        if (p.kind === 'epoch') {
          const text = `${base} val loss ${(p.valLoss ?? NaN).toFixed(4)} val acc ${pct(p.valAccuracy ?? null)} ETA ${eta}`;
          if (this.sink.isTTY) this.status(text);
          else this.sink.write(`${text}\n`);
        } else if (this.sink.isTTY) {
          this.status(`${base} ETA ${eta}`);
        }
        break;
      }
      case 'final-done':
        if (e.result) {
          const r = e.result;
          const test =
            r.testAccuracy === null
              ? 'no test images'
              : `test accuracy ${pct(r.testAccuracy)} on ${r.testCount} images`;
          this.message(
            `${this.finalLabel}: epoch ${r.keptEpoch} of ${r.epochs.length} kept: validation accuracy ${pct(r.valAccuracy)}, ${test} (${duration(r.seconds)})`,
          );
        } else {
          this.message(
            `${this.finalLabel}: ${e.outcome === 'stopped' ? 'stopped' : `failed: ${e.reason ?? 'unknown reason'}`}`,
          );
        }
        break;
    }
  }

  private where(phase: number, index: number): string {
    return `phase ${phase + 1}/${this.phases} candidate ${index + 1}/${this.population}`;
  }

  /** Remaining time: the current candidate extrapolated from its progress, the rest at the mean time per trained candidate. */
  private eta(doneFraction: number): string {
    const elapsed = (this.now() - this.candidateStart) / 1000;
    const perCandidate =
      this.trainedCount > 0
        ? this.secondsTrained / this.trainedCount
        : doneFraction > 0.02
          ? elapsed / doneFraction
          : NaN;
    const remainingHere = doneFraction > 0.02 ? (elapsed / doneFraction) * (1 - doneFraction) : perCandidate;
    const after = Math.max(0, this.phases * this.population - this.evaluated - (this.current ? 1 : 0));
    const total = remainingHere + after * perCandidate;
    return Number.isFinite(total) ? duration(total) : '?';
  }

  private status(text: string): void {
    const width = Math.max(20, (this.sink.columns ?? 100) - 1);
    this.sink.write(`\r${text.length > width ? text.slice(0, width) : text}\x1b[K`);
    this.lineShown = true;
  }

  private clearLine(): void {
    if (this.sink.isTTY && this.lineShown) this.sink.write('\r\x1b[K');
    this.lineShown = false;
  }
}
