/**
 * Two saved runs' fitness curves overlaid: the best validation accuracy of each phase, and the best so far against the
 * training seconds spent, so runs of different strategies or fidelities compare on what they cost.
 */
import { useEffect, useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RunLog, StoredRunSummary } from '../worker/api';
import { bestVsSeconds } from '../experiment/curves';
import { duration, pct } from '../experiment/format';
import { runLabel, searchSummary } from './runFormat';

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
  const names = [
    `${runLabel(a.createdAt)} (A, ${searchSummary(a.config)})`,
    `${runLabel(b.createdAt)} (B, ${searchSummary(b.config)})`,
  ] as const;
  const data = useMemo(() => {
    if (!logs) return [];
    const [ca, cb] = logs.logs.map(bestPerPhase) as [(number | null)[], (number | null)[]];
    return Array.from({ length: Math.max(ca.length, cb.length) }, (_, i) => ({
      phase: i + 1,
      a: ca[i] ?? null,
      b: cb[i] ?? null,
    }));
  }, [logs]);
  const costs = useMemo(() => (logs ? logs.logs.map(costLine) : null), [logs]);
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
      <div
        className="chart"
        data-testid="compare-chart"
        role="img"
        aria-label={`Best fitness per phase of the runs of ${names[0]} and ${names[1]}`}
      >
        <ResponsiveContainer width="100%" height={240}>
          <LineChart data={data} margin={{ top: 10, right: 20, bottom: 20, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="phase"
              allowDecimals={false}
              label={{ value: 'phase', position: 'insideBottom', offset: -10 }}
            />
            <YAxis domain={[0, 100]} unit="%" width={50} />
            <Tooltip formatter={(v) => (typeof v === 'number' ? pct(v / 100) : String(v))} />
            <Legend verticalAlign="top" height={24} />
            <Line
              name={names[0]}
              dataKey="a"
              stroke={COLORS[0]}
              strokeWidth={2}
              dot={{ r: 3 }}
              isAnimationActive={false}
              connectNulls
            />
            <Line
              name={names[1]}
              dataKey="b"
              stroke={COLORS[1]}
              strokeWidth={2}
              strokeDasharray="5 3"
              dot={{ r: 3 }}
              isAnimationActive={false}
              connectNulls
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <p className="help">
        Against what each run spent: the best validation accuracy so far (of networks trained the full epochs) after
        each training.
      </p>
      <div
        className="chart"
        data-testid="compare-seconds-chart"
        data-seconds={costs ? costs.map((c) => c.seconds.toFixed(3)).join(' ') : ''}
        role="img"
        aria-label={
          costs
            ? `Best validation accuracy against cumulative training seconds: ${costs.map((c, i) => `${i === 0 ? 'A' : 'B'} ${c.text}`).join('; ')}`
            : 'Loading the runs'
        }
      >
        <ResponsiveContainer width="100%" height={240}>
          <LineChart margin={{ top: 10, right: 20, bottom: 20, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              type="number"
              dataKey="seconds"
              domain={[0, 'dataMax']}
              tickFormatter={(v: number) => duration(v)}
              label={{ value: 'cumulative training time', position: 'insideBottom', offset: -10 }}
            />
            <YAxis domain={[0, 100]} unit="%" width={50} />
            <Tooltip
              labelFormatter={(v) => (typeof v === 'number' ? `after ${duration(v)} of training` : '')}
              formatter={(v) => (typeof v === 'number' ? pct(v / 100) : '–')}
            />
            <Legend verticalAlign="top" height={24} />
            {costs?.map((c, i) => (
              <Line
                key={names[i]}
                name={names[i]}
                data={c.points}
                dataKey="best"
                type="stepAfter"
                stroke={COLORS[i]}
                strokeWidth={2}
                strokeDasharray={i === 1 ? '5 3' : undefined}
                dot={{ r: 2 }}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** A run's best-so-far steps against cumulative training seconds (the points where the best changed, and the end), and its summary. */
function costLine(log: RunLog): { points: { seconds: number; best: number | null }[]; seconds: number; text: string } {
  const curve = bestVsSeconds(log);
  const end = curve[curve.length - 1] ?? { seconds: 0, best: null, trainings: 0 };
  const points = curve
    .filter((p, i) => i === 0 || i === curve.length - 1 || p.best !== curve[i - 1]?.best)
    .map((p) => ({ seconds: p.seconds, best: p.best === null ? null : p.best * 100 }));
  const reached = end.best === null ? null : curve.find((p) => p.best === end.best);
  const text =
    end.best === null
      ? `no complete training yet after ${duration(end.seconds)} (${end.trainings} trainings)`
      : `best ${pct(end.best)} reached after ${duration(reached?.seconds ?? end.seconds)} of ${duration(end.seconds)} (${end.trainings} trainings)`;
  return { points, seconds: end.seconds, text };
}
