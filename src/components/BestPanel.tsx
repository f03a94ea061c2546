/** The best individual so far, live. */
import { useLab } from '../store';
import { pct } from '../experiment/format';
import { ChromosomeTable } from './ChromosomeTable';

export function BestPanel() {
  const best = useLab((s) => s.best);
  const chosen = useLab((s) => s.test?.chosen !== undefined);
  return (
    <section className="panel" aria-labelledby="best-title">
      <h2 id="best-title">Best chromosome</h2>
      {best && best.fitness !== null ? (
        <>
          <p>
            Validation accuracy <strong data-testid="best-fitness">{pct(best.fitness)}</strong> (phase {best.phase + 1},
            candidate {best.index + 1}, {best.params.toLocaleString()} parameters)
            {chosen ? ', chosen from the Pareto front with Use this model' : ''}
          </p>
          <ChromosomeTable chromosome={best.chromosome} caption="Best chromosome so far (the paper's Table 2 form)" />
        </>
      ) : (
        <p className="muted">No candidate evaluated yet.</p>
      )}
    </section>
  );
}
