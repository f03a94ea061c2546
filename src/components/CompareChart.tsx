/** Two saved runs' fitness curves overlaid: the best validation accuracy of each phase. */
import { useEffect, useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunLog, StoredRunSummary } from '../worker/api';
import { pct } from '../experiment/format';
import { runLabel } from './runFormat';

export interface CompareChartProps {
  readonly runs: readonly [StoredRunSummary, StoredRunSummary];
  readonly loadRunLog: (id: string) => Promise<RunLog>;
}

/** Best fitness of each phase in percent: the phase's summary when done, else the best individual so far. */
function bestPerPhase(log: RunLog): (number | null)[] {
  return log.phases.map((p) => {
    if (p.done) return p.best === null ? null : p.best * 100;
    const f = p.individuals.map((i) => i?.fitness ?? null).filter((x): x is number => x !== null);
    return f.length > 0 ? Math.max(...f) * 100 : null;
  });
}

const COLORS = ['#16a34a', '#c2410c'] as const;

export function CompareChart({ runs, loadRunLog }: CompareChartProps) {
  const [a, b] = runs;
  const [logs, setLogs] = useState<{ key: string; logs: [RunLog, RunLog] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = `${a.id}/${a.updatedAt}|${b.id}/${b.updatedAt}`;
  useEffect(() => {
    let alive = true;
    Promise.all([loadRunLog(a.id), loadRunLog(b.id)]).then(
      (l) => {
        if (alive) {
          setLogs({ key, logs: l });
          setError(null);
        }
      },
      (e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      alive = false;
    };
  }, [a.id, b.id, key, loadRunLog]);
  const names = [`${runLabel(a.createdAt)} (A)`, `${runLabel(b.createdAt)} (B)`] as const;
  const data = useMemo(() => {
    if (!logs) return [];
    const [ca, cb] = logs.logs.map(bestPerPhase) as [(number | null)[], (number | null)[]];
    return Array.from({ length: Math.max(ca.length, cb.length) }, (_, i) => ({ phase: i + 1, a: ca[i] ?? null, b: cb[i] ?? null }));
  }, [logs]);
  return (
    <figure className="compare">
      <figcaption>
        Best validation accuracy per phase: A = {names[0]}, B = {names[1]}
      </figcaption>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="chart" data-testid="compare-chart" role="img" aria-label={`Best fitness per phase of the runs of ${names[0]} and ${names[1]}`}>
        <ResponsiveContainer width="100%" height={240}>
          <LineChart data={data} margin={{ top: 10, right: 20, bottom: 20, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="phase" allowDecimals={false} label={{ value: 'phase', position: 'insideBottom', offset: -10 }} />
            <YAxis domain={[0, 100]} unit="%" width={50} />
            <Tooltip formatter={(v) => (typeof v === 'number' ? pct(v / 100) : String(v))} />
            <Legend verticalAlign="top" height={24} />
            <Line name={names[0]} dataKey="a" stroke={COLORS[0]} strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} connectNulls />
            <Line name={names[1]} dataKey="b" stroke={COLORS[1]} strokeWidth={2} strokeDasharray="5 3" dot={{ r: 3 }} isAnimationActive={false} connectNulls />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
