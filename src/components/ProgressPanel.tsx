/** Where the run is: phase, candidate, epoch, batch, speed. */
import { useLab } from '../store';

export function ProgressPanel() {
  const current = useLab((s) => s.current);
  const phases = useLab((s) => s.phases);
  const pop = useLab((s) => s.populationSize);
  const done = useLab((s) => s.individuals.length);
  const status = useLab((s) => s.status);
  const total = phases * pop;
  const p = current?.progress;
  const batchFrac = p ? (p.epoch - 1 + p.batch / p.batches) / p.epochs : 0;
  return (
    <section className="panel" aria-labelledby="progress-title">
      <h2 id="progress-title">Progress</h2>
      <label htmlFor="run-progress">Run</label>
      <progress id="run-progress" max={Math.max(total, 1)} value={Math.min(done, total)} />
      <p>
        {total > 0 ? `${done} of ${total} evaluations` : 'Not started'}
        {status === 'stopping' ? ' · stopping…' : ''}
      </p>
      {current ? (
        <div data-testid="current-candidate">
          <p>
            Phase {current.phase + 1} of {phases}, candidate {current.index + 1} of {pop} · {current.params.toLocaleString()} parameters
          </p>
          <label htmlFor="candidate-progress">Candidate</label>
          <progress id="candidate-progress" max={1} value={batchFrac} />
          {p ? (
            <p>
              Epoch {p.epoch}/{p.epochs}, batch {p.batch}/{p.batches} · loss {p.loss.toFixed(3)} · accuracy{' '}
              {(p.accuracy * 100).toFixed(1)}%
              {p.valAccuracy !== undefined ? ` · validation ${(p.valAccuracy * 100).toFixed(1)}%` : ''} ·{' '}
              <span data-testid="img-per-sec">{p.imagesPerSecond.toFixed(1)}</span> img/s
            </p>
          ) : (
            <p>Building the network…</p>
          )}
        </div>
      ) : null}
    </section>
  );
}
