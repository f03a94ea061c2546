/** Seconds per evaluated candidate, in evaluation order, coloured by status (cached and over-budget cost nearly nothing). */
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useMemo } from 'react';
import { useLab } from '../store';
import { duration } from '../experiment/format';
import type { CandidateStatus } from '../worker/api';

const COLORS: Record<CandidateStatus, string> = {
  trained: '#2563eb',
  cached: '#9ca3af',
  failed: '#b91c1c',
  diverged: '#b91c1c',
  'over-budget': '#a16207',
  skipped: '#6b21a8',
};

export function TimeChart() {
  const individuals = useLab((s) => s.individuals);
  const data = useMemo(
    () =>
      individuals.map((r) => ({
        name: `${r.phase + 1}.${r.index + 1}`,
        seconds: Number(r.seconds.toFixed(2)),
        status: r.status,
      })),
    [individuals],
  );
  const total = useMemo(() => individuals.reduce((a, r) => a + r.seconds, 0), [individuals]);
  return (
    <section className="panel chart-panel" aria-labelledby="time-title">
      <h2 id="time-title">Time per candidate</h2>
      <div
        className="chart small"
        data-testid="time-chart"
        role="img"
        aria-label={`Training time of ${data.length} candidates, ${duration(total)} in all`}
      >
        <ResponsiveContainer width="100%" height={180}>
          <BarChart data={data} margin={{ top: 4, right: 12, bottom: 16, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis
              dataKey="name"
              label={{ value: 'phase.candidate', position: 'insideBottom', offset: -8 }}
              interval="preserveStartEnd"
            />
            <YAxis width={44} unit=" s" />
            <Tooltip
              formatter={(v, _n, item) => [`${String(v)} s (${(item.payload as { status: string }).status})`, 'time']}
            />
            <Bar dataKey="seconds" isAnimationActive={false}>
              {data.map((d) => (
                <Cell key={d.name} fill={COLORS[d.status]} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
    </section>
  );
}
