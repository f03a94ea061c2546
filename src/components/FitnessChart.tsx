/** Fitness per phase: every individual a point, best and mean as lines (the paper's figure, growing live). */
import { CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import { useMemo } from 'react';
import { useLab } from '../store';
import { pct } from '../experiment/format';

/** Spreads a phase's individuals side by side around the phase's tick, so that equal fitnesses stay visible. */
const spread = (index: number, pop: number): number => (pop > 1 ? (index / (pop - 1) - 0.5) * 0.4 : 0);

export function FitnessChart() {
  const individuals = useLab((s) => s.individuals);
  const pop = useLab((s) => s.populationSize);
  const summaries = useLab((s) => s.phaseSummaries);
  const points = useMemo(
    () =>
      individuals
        .filter((r) => r.fitness !== null)
        .map((r) => ({ phase: r.phase + 1 + spread(r.index, pop), fitness: (r.fitness as number) * 100, status: r.status })),
    [individuals, pop],
  );
  const lines = useMemo(
    () =>
      summaries.map((p) => ({
        phase: p.phase + 1,
        best: p.best === null ? null : p.best * 100,
        mean: p.mean === null ? null : p.mean * 100,
      })),
    [summaries],
  );
  const phases = useLab((s) => Math.max(s.phases, 1));
  return (
    <section className="panel chart-panel" aria-labelledby="fitness-title">
      <h2 id="fitness-title">Fitness per phase</h2>
      <div className="chart" data-testid="fitness-chart" data-points={points.length} role="img" aria-label={`Validation accuracy of ${points.length} evaluated individuals over ${phases} phases`}>
        <ResponsiveContainer width="100%" height={280}>
          <ComposedChart margin={{ top: 10, right: 20, bottom: 20, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis type="number" dataKey="phase" domain={[0.5, phases + 0.5]} ticks={Array.from({ length: phases }, (_, i) => i + 1)} allowDecimals={false} label={{ value: 'phase', position: 'insideBottom', offset: -10 }} />
            <YAxis type="number" domain={[0, 100]} unit="%" width={50} />
            <Tooltip formatter={(v) => (typeof v === 'number' ? pct(v / 100) : String(v))} />
            <Legend verticalAlign="top" height={24} />
            <Scatter name="individual" data={points} dataKey="fitness" fill="#6b7280" isAnimationActive={false} />
            <Line name="best" data={lines} dataKey="best" stroke="#16a34a" strokeWidth={2} dot={{ r: 2 }} isAnimationActive={false} connectNulls />
            <Line name="mean" data={lines} dataKey="mean" stroke="#2563eb" strokeDasharray="4 2" dot={{ r: 2 }} isAnimationActive={false} connectNulls />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </section>
  );
}
