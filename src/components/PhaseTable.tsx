/** One row per phase in the paper's Table 3 form: best accuracy and time, plus mean and how many were trained. */
import { useLab } from '../store';
import { duration, pct, phaseName } from '../experiment/format';

export function PhaseTable() {
  const summaries = useLab((s) => s.phaseSummaries);
  return (
    <section className="panel" aria-labelledby="phases-title">
      <h2 id="phases-title">Phases</h2>
      {summaries.length === 0 ? (
        <p className="muted">No phase finished yet.</p>
      ) : (
        <div className="scroll-x" tabIndex={0} role="region" aria-label="Phases table">
          <table className="phases" data-testid="phase-table">
            <caption>Best validation accuracy and time per phase (the paper's Table 3 form)</caption>
            <thead>
              <tr>
                <th scope="col">Phase</th>
                <th scope="col">Best accuracy</th>
                <th scope="col">Mean accuracy</th>
                <th scope="col">Time</th>
              </tr>
            </thead>
            <tbody>
              {summaries.map((p) => (
                <tr key={p.phase}>
                  <th scope="row">{phaseName(p.phase)}</th>
                  <td>{pct(p.best)}</td>
                  <td>{pct(p.mean)}</td>
                  <td>{duration(p.seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
