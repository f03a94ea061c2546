/** The best individual so far, live. */
import { useLab } from '../store';
import { ChromosomeTable } from './ChromosomeTable';

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

export function BestPanel() {
  const best = useLab((s) => s.best);
  return (
    <section className="panel" aria-labelledby="best-title">
      <h2 id="best-title">Best chromosome</h2>
      {best && best.fitness !== null ? (
        <>
          <p>
            Validation accuracy <strong data-testid="best-fitness">{pct(best.fitness)}</strong> (phase {best.phase + 1},
            candidate {best.index + 1}, {best.params.toLocaleString()} parameters)
          </p>
          <ChromosomeTable chromosome={best.chromosome} caption="Best chromosome so far (the paper's Table 2 form)" />
        </>
      ) : (
        <p className="muted">No candidate evaluated yet.</p>
      )}
    </section>
  );
}
