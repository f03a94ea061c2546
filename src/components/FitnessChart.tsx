/**
 * Fitness per phase: every individual a point, best and mean as lines (the paper's figure, growing live). With
 * successive halving a candidate stopped at a lower rung is drawn hollow (its fitness is a shorter training's); an
 * over-budget candidate has no fitness and is drawn at 0, in its own colour.
 */
import {
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useMemo } from 'react';
import { useLab } from '../store';
import { pct } from '../experiment/format';
import type { IndividualRecord } from '../worker/api';

/** Spreads a phase's individuals side by side around the phase's tick, so that equal fitnesses stay visible. */
const spread = (index: number, pop: number): number => (pop > 1 ? (index / (pop - 1) - 0.5) * 0.4 : 0);

interface Point {
  readonly phase: number;
  readonly fitness: number;
  readonly text: string;
}

/** What a point's tooltip says: candidate, fitness, rung or why it has none. */
function describe(r: IndividualRecord, rungCount: number | undefined): string {
  const who = `Phase ${r.phase + 1}, candidate ${r.index + 1}`;
  if (r.status === 'over-budget') return `${who}: over budget${r.reason ? ` (${r.reason})` : ''}`;
  const rung = r.rung === undefined ? '' : `, rung ${r.rung + 1} of ${rungCount ?? '?'}`;
  const epochs = r.epochsTrained === undefined ? '' : `, ${r.epochsTrained} epoch${r.epochsTrained === 1 ? '' : 's'}`;
  return `${who}: ${pct(r.fitness)} (${r.status}${rung}${epochs}${r.partial ? ', stopped at this rung' : ''})`;
}

function PointTip({ active, payload }: { active?: boolean; payload?: readonly { payload?: unknown }[] }) {
  const p = payload?.[0]?.payload as Partial<Point> | undefined;
  if (!active || !p?.text) return null;
  return <div className="chart-tip">{p.text}</div>;
}

export function FitnessChart() {
  const individuals = useLab((s) => s.individuals);
  const pop = useLab((s) => s.populationSize);
  const summaries = useLab((s) => s.phaseSummaries);
  const rungEpochs = useLab((s) => s.rungEpochs);
  const { complete, partial, overBudget } = useMemo(() => {
    const at = (r: IndividualRecord, fitness: number): Point => ({
      phase: r.phase + 1 + spread(r.index, pop),
      fitness,
      text: describe(r, rungEpochs[r.phase]?.length),
    });
    return {
      complete: individuals
        .filter((r) => r.fitness !== null && r.partial !== true)
        .map((r) => at(r, (r.fitness as number) * 100)),
      partial: individuals
        .filter((r) => r.fitness !== null && r.partial === true)
        .map((r) => at(r, (r.fitness as number) * 100)),
      // No fitness: shown at 0, the value selection gives it.
      overBudget: individuals.filter((r) => r.status === 'over-budget').map((r) => at(r, 0)),
    };
  }, [individuals, pop, rungEpochs]);
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
  const evaluated = complete.length + partial.length;
  const extra = [
    partial.length > 0 ? `${partial.length} stopped at a lower rung` : null,
    overBudget.length > 0 ? `${overBudget.length} over budget` : null,
  ].filter(Boolean);
  return (
    <section className="panel chart-panel" aria-labelledby="fitness-title">
      <h2 id="fitness-title">Fitness per phase</h2>
      <div
        className="chart"
        data-testid="fitness-chart"
        data-points={evaluated}
        data-partial={partial.length}
        data-over-budget={overBudget.length}
        role="img"
        aria-label={`Validation accuracy of ${evaluated} evaluated individuals over ${phases} phases${extra.length ? ` (${extra.join(', ')})` : ''}`}
      >
        <ResponsiveContainer width="100%" height={280}>
          <ComposedChart margin={{ top: 10, right: 20, bottom: 20, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              type="number"
              dataKey="phase"
              domain={[0.5, phases + 0.5]}
              ticks={Array.from({ length: phases }, (_, i) => i + 1)}
              allowDecimals={false}
              label={{ value: 'phase', position: 'insideBottom', offset: -10 }}
            />
            <YAxis type="number" domain={[0, 100]} unit="%" width={50} />
            <Tooltip content={<PointTip />} />
            <Legend verticalAlign="top" height={24} />
            <Scatter
              name="individual"
              className="points-complete"
              data={complete}
              dataKey="fitness"
              fill="#6b7280"
              isAnimationActive={false}
            />
            {partial.length > 0 ? (
              <Scatter
                name="stopped at a lower rung"
                className="points-partial"
                data={partial}
                dataKey="fitness"
                fill="#ffffff"
                stroke="#6b7280"
                strokeWidth={1.5}
                isAnimationActive={false}
              />
            ) : null}
            {overBudget.length > 0 ? (
              <Scatter
                name="over budget"
                className="points-over-budget"
                data={overBudget}
                dataKey="fitness"
                fill="#c2410c"
                shape="diamond"
                isAnimationActive={false}
              />
            ) : null}
            <Line
              name="best"
              data={lines}
              dataKey="best"
              stroke="#16a34a"
              strokeWidth={2}
              dot={{ r: 2 }}
              isAnimationActive={false}
              connectNulls
            />
            <Line
              name="mean"
              data={lines}
              dataKey="mean"
              stroke="#2563eb"
              strokeDasharray="4 2"
              dot={{ r: 2 }}
              isAnimationActive={false}
              connectNulls
            />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </section>
  );
}
