/**
 * The population of the current phase: chromosome, cost, epochs (and rung, with successive halving), fitness, time and
 * status per candidate, sortable by column, under the run's budget per candidate.
 */
import { useMemo, useState } from 'react';
import { useLab } from '../store';
import type { IndividualRecord, RunConfig } from '../worker/api';
import { duration, pct, phaseName } from '../experiment/format';
import { chromosomeSummary } from './format';

type Column = 'index' | 'params' | 'mflops' | 'epochs' | 'fitness' | 'seconds' | 'status';
type Direction = 'ascending' | 'descending';

interface Row {
  readonly index: number;
  readonly summary: string;
  readonly params: number;
  readonly mflops: number | null;
  readonly epochs: number | null;
  /** Successive halving: "2 of 3", the rung of the latest result (or of the training in progress). */
  readonly rung: string | null;
  readonly fitness: number | null;
  readonly seconds: number | null;
  readonly status: string;
  readonly reason?: string;
  /** Trained to a lower rung only: its fitness is a shorter training's. */
  readonly partial: boolean;
}

const COLUMNS: { key: Column | null; label: string; halving?: true }[] = [
  { key: 'index', label: 'Candidate' },
  { key: null, label: 'Chromosome' },
  { key: 'params', label: 'Parameters' },
  { key: 'mflops', label: 'MFLOPs' },
  { key: 'epochs', label: 'Epochs' },
  { key: null, label: 'Rung', halving: true },
  { key: 'fitness', label: 'Fitness' },
  { key: 'seconds', label: 'Time' },
  { key: 'status', label: 'Status' },
];

const rungText = (rung: number | undefined | null, of: number | undefined | null): string | null =>
  rung === undefined || rung === null ? null : `${rung + 1} of ${of ?? '?'}`;

const toRow = (r: IndividualRecord, rungCount: number | undefined): Row => ({
  index: r.index,
  summary: chromosomeSummary(r.chromosome),
  params: r.params,
  mflops: r.flops === undefined ? null : r.flops / 1e6,
  epochs: r.epochsTrained ?? null,
  rung: rungText(r.rung, rungCount),
  fitness: r.fitness,
  seconds: r.seconds,
  status: r.status,
  ...(r.reason === undefined ? {} : { reason: r.reason }),
  partial: r.partial === true,
});

/** Orders by one column; nulls (not yet measured, failed) last in either direction, ties by candidate number. */
function compare(a: Row, b: Row, key: Column, sign: number): number {
  const x = a[key];
  const y = b[key];
  if (x === y) return a.index - b.index;
  if (x === null) return 1;
  if (y === null) return -1;
  return sign * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)));
}

const mflopsText = (x: number | null): string => (x === null ? '–' : x < 10 ? x.toFixed(2) : x.toFixed(1));

/** The run's budget per candidate in words, or null when it has none. */
export function budgetText(c: RunConfig | null): string | null {
  if (!c) return null;
  const parts = [
    c.maxParams === undefined ? null : `${c.maxParams.toLocaleString('en-US')} parameters`,
    c.maxMflops === undefined ? null : `${c.maxMflops} MFLOPs per image`,
    c.maxSeconds === undefined ? null : `${c.maxSeconds} s of training`,
  ].filter((p): p is string => p !== null);
  return parts.length === 0
    ? null
    : `Budget per candidate: at most ${parts.join(', ')}. Candidates over it show as over-budget: too large ones are never trained, too slow ones are stopped.`;
}

export function PopulationTable() {
  const individuals = useLab((s) => s.individuals);
  const current = useLab((s) => s.current);
  const runConfig = useLab((s) => s.runConfig);
  const rungEpochs = useLab((s) => s.rungEpochs);
  const [sort, setSort] = useState<{ key: Column; dir: Direction }>({ key: 'index', dir: 'ascending' });
  const phase = current?.phase ?? individuals[individuals.length - 1]?.phase ?? null;
  const halving = runConfig?.fidelity === 'halving';
  const rungCount = phase === null ? undefined : rungEpochs[phase]?.length;
  const rows = useMemo(() => {
    if (phase === null) return [];
    let list: Row[] = individuals.filter((r) => r.phase === phase).map((r) => toRow(r, rungCount));
    if (current && current.phase === phase) {
      // A candidate promoted to a later rung is in the table already: its training row takes its place.
      list = list.filter((r) => r.index !== current.index);
      list.push({
        index: current.index,
        summary: chromosomeSummary(current.chromosome),
        params: current.params,
        mflops: null,
        epochs: current.epochs,
        rung: rungText(current.rung, current.rungCount),
        fitness: null,
        seconds: null,
        status: 'training',
        partial: false,
      });
    }
    const sign = sort.dir === 'ascending' ? 1 : -1;
    return list.sort((a, b) => compare(a, b, sort.key, sign));
  }, [individuals, current, phase, sort, rungCount]);
  const onSort = (key: Column): void =>
    setSort((s) =>
      s.key === key
        ? { key, dir: s.dir === 'ascending' ? 'descending' : 'ascending' }
        : { key, dir: key === 'fitness' ? 'descending' : 'ascending' },
    );
  const budget = budgetText(runConfig);
  const columns = COLUMNS.filter((c) => halving || !c.halving);
  return (
    <section className="panel" aria-labelledby="population-title">
      <h2 id="population-title">Candidates{phase === null ? '' : ` of ${phaseName(phase).toLowerCase()}`}</h2>
      {budget ? (
        <p className="help" data-testid="budget">
          {budget}
        </p>
      ) : null}
      {halving && phase !== null && rungEpochs[phase] ? (
        <p className="help" data-testid="rungs">
          Successive halving: rungs of {rungEpochs[phase]?.join(', ')} epochs; the best 1/{runConfig?.eta ?? 3} of each
          rung continue. A candidate stopped at a lower rung is ranked by that shorter training and cannot be the best.
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p className="muted">No candidate yet.</p>
      ) : (
        <div className="scroll-x" tabIndex={0} role="region" aria-label="Candidates table">
          <table className="population" data-testid="population-table">
            <caption>Candidates of the current phase; press a column header to sort</caption>
            <thead>
              <tr>
                {columns.map((c) =>
                  c.key === null ? (
                    <th scope="col" key={c.label}>
                      {c.label}
                    </th>
                  ) : (
                    <th scope="col" key={c.label} aria-sort={sort.key === c.key ? sort.dir : 'none'}>
                      <button type="button" className="sort" onClick={() => onSort(c.key as Column)}>
                        {c.label}
                        <span aria-hidden="true">
                          {sort.key === c.key ? (sort.dir === 'ascending' ? ' ▲' : ' ▼') : ''}
                        </span>
                      </button>
                    </th>
                  ),
                )}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.index} className={`status-${r.status}${r.partial ? ' partial' : ''}`}>
                  <th scope="row">{r.index + 1}</th>
                  <td className="genes">{r.summary}</td>
                  <td>{r.params.toLocaleString()}</td>
                  <td>{mflopsText(r.mflops)}</td>
                  <td>{r.epochs === null ? '–' : r.epochs}</td>
                  {halving ? <td>{r.rung ?? '–'}</td> : null}
                  <td>{pct(r.fitness)}</td>
                  <td>{r.seconds === null ? '…' : duration(r.seconds)}</td>
                  <td className="status-cell">
                    {r.status}
                    {r.reason && r.status !== 'skipped' ? `: ${r.reason}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
