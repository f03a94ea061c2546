/** The expected duration of a run with the current settings on this machine, and how it was worked out. */
import { useLab } from '../store';
import { finalActive, runActive } from '../store/selectors';
import { factorFor, sameConfig } from '../store/cost';
import { roughDuration } from '../experiment/format';
import type { CalibrationUse, CostEstimate } from '../worker/api';

const mflops = (flops: number): string => {
  const m = flops / 1e6;
  return m >= 100 ? m.toFixed(0) : m >= 1 ? m.toFixed(1) : m.toFixed(3);
};
const ms = (seconds: number): string => {
  const v = seconds * 1000;
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
};
const count = (n: number): string => Math.round(n).toLocaleString('en');

/** What a calibration network stands for. */
function pointName(p: CalibrationUse): string {
  const network = p.role === 'largest' ? 'the largest network' : 'the median network';
  // Halvings stop at 2 filters a layer: past that, the divisor no longer says what was timed.
  if (p.halvings > 0 && p.chromosome.conv.every((g) => g.filters === 2)) return `${network} with 2 filters a layer`;
  return p.halvings > 0 ? `${network}, filters ÷ ${2 ** p.halvings}` : network;
}

/** "wasm, 1 thread", "webgpu". */
function backendText(b: CostEstimate['backend']): string {
  return b.threads === undefined ? b.name : `${b.name}, ${b.threads} thread${b.threads === 1 ? '' : 's'}`;
}

function Explanation({ cost, factor }: { cost: CostEstimate; factor: number }) {
  const e = cost.estimate;
  const batch = cost.points[0]?.batch;
  return (
    <details className="cost-details">
      <summary>How this is estimated</summary>
      <ul>
        <li>
          About {e.trainings.toFixed(e.trainings % 1 === 0 ? 0 : 1)} trainings of {e.epochs.toFixed(0)} epochs in all (
          {count(e.imagesTrained)} training images and {count(e.imagesValidated)} validation images): the GA's own
          engine runs the settings with a stand-in fitness, so the phases, repeats, budget and halving are the run's.
        </li>
        <li>
          Each epoch trains {count(cost.counts.train)} images and validates {count(cost.counts.val)}; the best network
          is tested on {count(cost.counts.test)}.
        </li>
        <li>
          Networks drawn from the run's seed within the budget: median {mflops(cost.draws.median)} MFLOPs, largest{' '}
          {mflops(cost.draws.max)} MFLOPs per image; the trainings average {mflops(e.meanFlops)} MFLOPs.
        </li>
        {cost.points.length > 0 ? (
          <li>
            Measured on this machine ({backendText(cost.backend)}
            {batch === undefined ? '' : `, batch ${batch}`}), seconds per image fitted in FLOPs:
            <ul data-testid="cost-calibration">
              {cost.points.map((p) => (
                <li key={p.flops}>
                  {pointName(p)} ({mflops(p.flops)} MFLOPs): {ms(p.trainSecondsPerImage)} ms per training image,{' '}
                  {ms(p.evalSecondsPerImage)} ms per validation image
                </li>
              ))}
            </ul>
          </li>
        ) : null}
        {factor !== 1 ? (
          <li data-testid="cost-factor">
            Scaled by {factor.toFixed(2)}: the last run in this tab on this backend took that many times as long as the
            timed steps predicted for what it trained (drawing the run on the page, saving it and other work on the
            machine share the processor).
          </li>
        ) : null}
        <li>
          An estimate: networks of later phases depend on what the search finds, larger networks are extrapolated from
          smaller ones, and other work on this machine slows training.
          {e.upperBound
            ? ' With early stopping (patience above 0) trainings may end sooner: the figure is an upper bound.'
            : ''}
        </li>
      </ul>
    </details>
  );
}

export function RunCost() {
  const cost = useLab((s) => s.cost);
  const hasData = useLab((s) => s.dataset !== null);
  const busy = useLab((s) => runActive(s) || finalActive(s));
  const learned = useLab((s) => s.costFactor);
  // The run in progress started from Start with an estimate (a resumed saved run may have other settings).
  const frozen = useLab(
    (s) => s.runEstimate !== null && (s.runConfig === null || sameConfig(s.runEstimate.config, s.runConfig)),
  );
  const e = cost.estimate;
  const factor = e ? factorFor(learned, e) : 1;
  const seconds = e ? e.estimate.seconds * factor : 0;
  // While a run or a training holds the worker nothing is measured: the figure stays as it was before Start.
  const note = busy
    ? frozen
      ? 'Made before the run started: the progress panel counts down from it.'
      : 'No estimate for the run in progress: it started before one was ready for its settings.'
    : cost.status === 'measuring'
      ? "Measuring this machine's speed…"
      : cost.status === 'pending'
        ? 'Updating the estimate…'
        : cost.status === 'error'
          ? `No estimate: ${cost.error ?? 'unknown error'}`
          : '';
  return (
    <section className="panel run-cost" aria-labelledby="run-cost-title">
      <h2 id="run-cost-title">Expected run time</h2>
      {e ? (
        <p data-testid="cost-estimate" data-seconds={seconds.toFixed(1)}>
          Expected run time on this machine ({backendText(e.backend)}):{' '}
          <strong>
            {e.estimate.upperBound ? 'at most about ' : 'about '}
            {roughDuration(seconds)}
          </strong>
          {e.estimate.upperBound ? ' (early stopping may end it sooner)' : ''}
        </p>
      ) : !hasData ? (
        <p className="muted">Load a dataset to see how long a run takes.</p>
      ) : cost.status === 'idle' && !busy ? (
        <p className="muted">Worked out once the training backend is ready and the settings are valid.</p>
      ) : null}
      <p className="help" aria-live="polite" data-testid="cost-status">
        {note}
      </p>
      {e ? <Explanation cost={e} factor={factor} /> : null}
    </section>
  );
}
