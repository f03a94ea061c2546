/** Accuracy against a cost for every evaluated candidate, the current Pareto front highlighted and joined, live. */
import { useMemo, useState } from 'react';
import { CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Scatter, XAxis, YAxis } from 'recharts';
import { useLab } from '../store';
import { phaseName } from '../experiment/format';
import { chromosomeSummary } from './format';
import { COST, costsOf, objectivesText, type CostKey } from './pareto';
import type { IndividualRecord } from '../worker/api';

interface Point {
  readonly x: number;
  readonly y: number;
  readonly record: IndividualRecord;
}

/** The hovered network: where it was evaluated, every objective value and its chromosome. */
function PointDetails({ point }: { point: Point }) {
  const r = point.record;
  if (!r.objectives) return null;
  return (
    <div className="pareto-tip" data-testid="pareto-hover">
      <strong>
        {phaseName(r.phase)}, candidate {r.index + 1}
      </strong>
      <div>{objectivesText(r.objectives as NonNullable<IndividualRecord['objectives']>)}</div>
      <div className="genes">{chromosomeSummary(r.chromosome)}</div>
    </div>
  );
}

export function ParetoChart() {
  const objectives = useLab((s) => s.runConfig?.objectives);
  const costs = useMemo(() => costsOf(objectives), [objectives]);
  const individuals = useLab((s) => s.individuals);
  const front = useLab((s) => s.front);
  const [picked, setPicked] = useState<CostKey | null>(null);
  const [hideDominated, setHideDominated] = useState(false);
  const [hovered, setHovered] = useState<Point | null>(null);
  // recharts hands the hovered symbol's props, whose payload is our point.
  const onEnter = (item: unknown): void => setHovered((item as { payload?: Point }).payload ?? null);
  const cost: CostKey | undefined = picked !== null && costs.includes(picked) ? picked : costs[0];
  const { frontPoints, others } = useMemo(() => {
    if (!cost) return { frontPoints: [], others: [] };
    const onFront = new Set(front.map((r) => `${r.phase}:${r.index}`));
    const pts = individuals.flatMap((r): Point[] =>
      r.objectives && r.fitness !== null ? [{ x: r.objectives[cost], y: r.objectives.accuracy * 100, record: r }] : [],
    );
    return {
      frontPoints: pts.filter((p) => onFront.has(`${p.record.phase}:${p.record.index}`)).sort((a, b) => a.x - b.x),
      others: pts.filter((p) => !onFront.has(`${p.record.phase}:${p.record.index}`)),
    };
  }, [individuals, front, cost]);
  if (!cost) return null;
  const info = COST[cost];
  const shown = hideDominated ? [] : others;
  return (
    <section className="panel chart-panel" aria-labelledby="pareto-title">
      <h2 id="pareto-title">Pareto front</h2>
      <div className="row">
        {costs.length > 1 ? (
          <label className="inline">
            Cost axis{' '}
            <select value={cost} onChange={(e) => setPicked(e.target.value as CostKey)}>
              {costs.map((c) => (
                <option key={c} value={c}>
                  {COST[c].label}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className="inline">
          <input type="checkbox" checked={hideDominated} onChange={(e) => setHideDominated(e.target.checked)} /> Hide
          dominated
        </label>
      </div>
      <div
        className="chart"
        data-testid="pareto-chart"
        data-points={frontPoints.length + shown.length}
        data-front={frontPoints.length}
        role="img"
        aria-label={`Validation accuracy against ${info.label.toLowerCase()}: ${frontPoints.length} networks on the front, ${others.length} dominated${hideDominated ? ' (hidden)' : ''}`}
      >
        <ResponsiveContainer width="100%" height={280}>
          <ComposedChart margin={{ top: 10, right: 20, bottom: 20, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              type="number"
              dataKey="x"
              scale={info.log ? 'log' : 'auto'}
              domain={info.log ? ['dataMin', 'dataMax'] : [0, 'auto']}
              allowDataOverflow={false}
              tickFormatter={(v: number) => info.format(v)}
              label={{ value: `${info.label}${info.log ? ' (log scale)' : ''}`, position: 'insideBottom', offset: -10 }}
            />
            <YAxis type="number" dataKey="y" domain={[0, 100]} unit="%" width={50} />
            <Legend verticalAlign="top" height={24} />
            {shown.length > 0 ? (
              <Scatter name="dominated" data={shown} fill="#9ca3af" isAnimationActive={false} onMouseEnter={onEnter} />
            ) : null}
            <Scatter name="front" data={frontPoints} fill="#b45309" isAnimationActive={false} onMouseEnter={onEnter} />
            <Line
              name="front (joined)"
              data={frontPoints}
              dataKey="y"
              stroke="#b45309"
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
              legendType="none"
            />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      {hovered ? (
        <PointDetails point={hovered} />
      ) : (
        <p className="help">Point at a network to see its chromosome and every objective.</p>
      )}
    </section>
  );
}
