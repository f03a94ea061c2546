/** The population of the current phase: chromosome, parameters, fitness, time and status per candidate, sortable by column. */
import { useMemo, useState } from 'react';
import { useLab } from '../store';
import type { IndividualRecord } from '../worker/api';
import { duration, pct, phaseName } from '../experiment/format';
import { chromosomeSummary } from './format';

type Column = 'index' | 'params' | 'fitness' | 'seconds' | 'status';
type Direction = 'ascending' | 'descending';

interface Row {
  readonly index: number;
  readonly summary: string;
  readonly params: number;
  readonly fitness: number | null;
  readonly seconds: number | null;
  readonly status: string;
  readonly reason?: string;
}

const COLUMNS: { key: Column | null; label: string }[] = [
  { key: 'index', label: 'Candidate' },
  { key: null, label: 'Chromosome' },
  { key: 'params', label: 'Parameters' },
  { key: 'fitness', label: 'Fitness' },
  { key: 'seconds', label: 'Time' },
  { key: 'status', label: 'Status' },
];

const toRow = (r: IndividualRecord): Row => ({
  index: r.index,
  summary: chromosomeSummary(r.chromosome),
  params: r.params,
  fitness: r.fitness,
  seconds: r.seconds,
  status: r.status,
  ...(r.reason === undefined ? {} : { reason: r.reason }),
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

export function PopulationTable() {
  const individuals = useLab((s) => s.individuals);
  const current = useLab((s) => s.current);
  const [sort, setSort] = useState<{ key: Column; dir: Direction }>({ key: 'index', dir: 'ascending' });
  const phase = current?.phase ?? individuals[individuals.length - 1]?.phase ?? null;
  const rows = useMemo(() => {
    if (phase === null) return [];
    const list: Row[] = individuals.filter((r) => r.phase === phase).map(toRow);
    if (current && current.phase === phase) list.push({ index: current.index, summary: chromosomeSummary(current.chromosome), params: current.params, fitness: null, seconds: null, status: 'training' });
    const sign = sort.dir === 'ascending' ? 1 : -1;
    return list.sort((a, b) => compare(a, b, sort.key, sign));
  }, [individuals, current, phase, sort]);
  const onSort = (key: Column): void =>
    setSort((s) => (s.key === key ? { key, dir: s.dir === 'ascending' ? 'descending' : 'ascending' } : { key, dir: key === 'fitness' ? 'descending' : 'ascending' }));
  return (
    <section className="panel" aria-labelledby="population-title">
      <h2 id="population-title">Candidates{phase === null ? '' : ` of ${phaseName(phase).toLowerCase()}`}</h2>
      {rows.length === 0 ? (
        <p className="muted">No candidate yet.</p>
      ) : (
        <div className="scroll-x" tabIndex={0} role="region" aria-label="Candidates table">
          <table className="population" data-testid="population-table">
            <caption>Candidates of the current phase; press a column header to sort</caption>
            <thead>
              <tr>
                {COLUMNS.map((c) =>
                  c.key === null ? (
                    <th scope="col" key={c.label}>
                      {c.label}
                    </th>
                  ) : (
                    <th scope="col" key={c.label} aria-sort={sort.key === c.key ? sort.dir : 'none'}>
                      <button type="button" className="sort" onClick={() => onSort(c.key as Column)}>
                        {c.label}
                        <span aria-hidden="true">{sort.key === c.key ? (sort.dir === 'ascending' ? ' ▲' : ' ▼') : ''}</span>
                      </button>
                    </th>
                  ),
                )}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.index} className={`status-${r.status}`}>
                  <th scope="row">{r.index + 1}</th>
                  <td className="genes">{r.summary}</td>
                  <td>{r.params.toLocaleString()}</td>
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
