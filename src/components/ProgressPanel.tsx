/** Where the run is: phase i of N, candidate j of M, epoch, batch, speed, time left, backend. */
import { useMemo } from 'react';
import { useLab } from '../store';
import { remainingSeconds } from '../experiment/cost';
import { duration, pct } from '../experiment/format';
import { networkCost } from '../experiment/networkCost';
import { sameConfig } from '../store/cost';

export function ProgressPanel() {
  const current = useLab((s) => s.current);
  const phases = useLab((s) => s.phases);
  const pop = useLab((s) => s.populationSize);
  const individuals = useLab((s) => s.individuals);
  const status = useLab((s) => s.status);
  const paused = useLab((s) => s.paused);
  const backend = useLab((s) => s.backend);
  const batchSize = useLab((s) => s.runConfig?.batchSize ?? s.config.batchSize);
  const runConfig = useLab((s) => s.runConfig);
  const rungEpochs = useLab((s) => s.rungEpochs);
  // The estimate made before Start, while the run in view is the one it was made for.
  const planned = useLab((s) =>
    s.runEstimate && sameConfig(s.runEstimate.config, s.runConfig) ? s.runEstimate : null,
  );
  const total = phases * pop;
  const done = individuals.length;
  const p = current?.progress;
  const batchFrac = p ? (p.epoch - 1 + p.batch / p.batches) / p.epochs : 0;
  const eta = useMemo(() => {
    if (!p || !current) return null;
    if (planned && runConfig) {
      // The cost model's prediction for what is left, scaled by how the trainings so far compare with it.
      const to = current.epochs ?? p.epochs;
      const from = current.rung ? (rungEpochs[current.phase]?.[current.rung - 1] ?? 0) : 0;
      const fraction = (p.epoch - 1 - from + p.batch / Math.max(p.batches, 1)) / Math.max(to - from, 1);
      const now = {
        phase: current.phase,
        flops: networkCost(current.chromosome, runConfig.network).flops,
        fromEpochs: from,
        toEpochs: to,
        fraction,
      };
      const { estimate, speed, counts } = planned.cost;
      return remainingSeconds(estimate, speed, counts, individuals, now, runConfig.maxSeconds, planned.factor);
    }
    if (p.imagesPerSecond <= 0) return null;
    // No estimate for this run (a resumed one, or Start before the estimate was ready): measured speed for the
    // candidate in training; the mean time of trained candidates (or this one's) for the rest.
    const perBatch = batchSize / p.imagesPerSecond;
    const left = ((p.epochs - p.epoch) * p.batches + (p.batches - p.batch)) * perBatch;
    const trained = individuals.filter((r) => r.status === 'trained');
    const mean =
      trained.length > 0
        ? trained.reduce((a, r) => a + r.seconds, 0) / trained.length
        : p.epochs * p.batches * perBatch;
    return left + Math.max(0, total - done - 1) * mean;
  }, [p, current, planned, runConfig, rungEpochs, batchSize, individuals, total, done]);
  return (
    <section className="panel progress-panel" aria-labelledby="progress-title">
      <h2 id="progress-title">Progress</h2>
      <label htmlFor="run-progress">Run</label>
      <progress id="run-progress" max={Math.max(total, 1)} value={Math.min(done, total)} />
      <p>
        {total > 0 ? `${done} of ${total} evaluations` : 'Not started'}
        {status === 'stopping' ? ' · stopping…' : ''}
        {paused ? (
          <strong className="paused" data-testid="paused">
            {' '}
            · paused
          </strong>
        ) : null}
        {backend ? ` · backend ${backend.name}` : ''}
      </p>
      {/* Fixed height, present or not, so that the panels below never jump while candidates come and go. */}
      <div className="current" data-testid={current ? 'current-candidate' : undefined}>
        {current ? (
          <>
            <p>
              Phase {current.phase + 1} of {phases}, candidate {current.index + 1} of {pop}
              {current.rung !== null
                ? ` · rung ${current.rung + 1} of ${current.rungCount ?? '?'}, to ${current.epochs ?? '?'} epochs`
                : ''}{' '}
              · {current.params.toLocaleString()} parameters
            </p>
            <label htmlFor="candidate-progress">Candidate</label>
            <progress id="candidate-progress" max={1} value={batchFrac} />
            {p ? (
              <p data-testid="batch-progress">
                Epoch {p.epoch}/{p.epochs}, batch {p.batch}/{p.batches} · loss {p.loss.toFixed(3)} · accuracy{' '}
                {pct(p.accuracy, 1)}
                {p.valAccuracy !== undefined ? ` · validation ${pct(p.valAccuracy, 1)}` : ''} ·{' '}
                <span data-testid="img-per-sec">{p.imagesPerSecond.toFixed(1)}</span> img/s
                {eta !== null ? ` · about ${duration(eta)} left` : ''}
              </p>
            ) : (
              <p>Building the network…</p>
            )}
          </>
        ) : (
          <p className="muted">{status === 'running' ? 'Between candidates…' : 'No candidate in training.'}</p>
        )}
      </div>
    </section>
  );
}
