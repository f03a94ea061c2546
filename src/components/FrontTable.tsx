/** The Pareto front as a table, most accurate first, with Use this model on each member once the run has ended. */
import { useMemo, useState } from 'react';
import { useLab } from '../store';
import type { IndividualRecord } from '../worker/api';
import { pct, phaseName } from '../experiment/format';
import { chromosomeSummary } from './format';
import { COST, frontRecords } from './pareto';

export function FrontTable({ onUseModel }: { onUseModel: (member: IndividualRecord) => Promise<void> }) {
  const multi = useLab((s) => (s.runConfig?.objectives?.length ?? 1) >= 2);
  const individuals = useLab((s) => s.individuals);
  const front = useLab((s) => s.front);
  const status = useLab((s) => s.status);
  const viewing = useLab((s) => s.viewing !== null);
  const chosen = useLab((s) => s.test?.chosen ?? null);
  const best = useLab((s) => s.best);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const rows = useMemo(() => frontRecords(individuals, front), [individuals, front]);
  if (!multi) return null;
  const ended = (status === 'done' || status === 'stopped') && !viewing;
  const use = (r: IndividualRecord): void => {
    const key = `${r.phase}:${r.index}`;
    setBusy(key);
    setError(null);
    onUseModel(r).then(
      () => setBusy(null),
      (e: unknown) => {
        setBusy(null);
        setError(
          `Use this model (${phaseName(r.phase).toLowerCase()}, candidate ${r.index + 1}): ${e instanceof Error ? e.message : String(e)}`,
        );
      },
    );
  };
  const inUse = (r: IndividualRecord): boolean =>
    chosen
      ? chosen.phase === r.phase && chosen.index === r.index
      : ended && best !== null && best.phase === r.phase && best.index === r.index;
  return (
    <section className="panel" aria-labelledby="front-title">
      <h2 id="front-title">Front members</h2>
      <p className="help" id="front-help">
        {ended
          ? 'Use this model makes a member the one that Download model and Try the model use, and scores it on the test images.'
          : viewing
            ? 'A saved run: of its front only the model chosen while it was open (Use this model) is kept, so no other can be chosen here.'
            : 'Networks no other beats on every objective at once. Use this model is available when the run has ended.'}
      </p>
      {rows.length === 0 ? (
        <p className="muted">No network trained yet.</p>
      ) : (
        <div className="scroll-x" tabIndex={0} role="region" aria-label="Front members table">
          <table className="population front" data-testid="front-table">
            <caption>The Pareto front, most accurate first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Where</th>
                <th scope="col">Accuracy</th>
                <th scope="col">{COST.params.label}</th>
                <th scope="col">{COST.flops.label}</th>
                <th scope="col">{COST.latencyMs.label}</th>
                <th scope="col">Model</th>
                <th scope="col">Chromosome</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => {
                const o = r.objectives;
                const key = `${r.phase}:${r.index}`;
                const current = inUse(r);
                return (
                  <tr key={key} className={current ? 'in-use' : undefined} data-phase={r.phase} data-index={r.index}>
                    <th scope="row">{i + 1}</th>
                    <td>
                      {phaseName(r.phase)}, #{r.index + 1}
                    </td>
                    <td>{pct(r.fitness)}</td>
                    <td>{o ? COST.params.format(o.params) : r.params.toLocaleString('en-US')}</td>
                    <td>{o ? COST.flops.format(o.flops) : '–'}</td>
                    <td>{o ? COST.latencyMs.format(o.latencyMs) : '–'}</td>
                    <td>
                      {current ? <span className="tag">in use</span> : null}{' '}
                      <button
                        type="button"
                        onClick={() => use(r)}
                        disabled={!ended || busy !== null || current}
                        aria-describedby="front-help"
                      >
                        {busy === key ? 'Testing…' : 'Use this model'}
                      </button>
                    </td>
                    <td className="genes">{chromosomeSummary(r.chromosome)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
