/** The current candidate's training curves: loss and accuracy, train (per batch) and validation (per epoch). */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useMemo } from 'react';
import { useLab } from '../store';
import { pct } from '../experiment/format';

interface CurvePoint {
  x: number;
  loss: number;
  valLoss: number | null;
  accuracy: number;
  valAccuracy: number | null;
}

interface Series {
  name: string;
  dataKey: keyof CurvePoint;
  stroke: string;
}

/** One chart of a train series (per batch, a plain line) and its validation series (per epoch, dots joined across gaps). */
function CurveChart(props: {
  testId: string;
  label: string;
  data: CurvePoint[];
  epochs: number;
  yDomain: [number, number | 'auto'];
  yUnit?: string;
  format: (v: number) => string;
  train: Series;
  validation: Series;
}) {
  const { format } = props;
  return (
    <div className="chart small" data-testid={props.testId} role="img" aria-label={props.label}>
      <ResponsiveContainer width="100%" height={200}>
        <LineChart data={props.data} margin={{ top: 4, right: 12, bottom: 16, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="x"
            domain={[0, props.epochs]}
            allowDecimals={false}
            label={{ value: 'epoch', position: 'insideBottom', offset: -8 }}
          />
          <YAxis width={44} domain={props.yDomain} unit={props.yUnit} />
          <Tooltip
            formatter={(v) => (typeof v === 'number' ? format(v) : String(v))}
            labelFormatter={(x) => `epoch ${Number(x).toFixed(2)}`}
          />
          <Legend verticalAlign="top" height={20} />
          <Line
            name={props.train.name}
            dataKey={props.train.dataKey}
            stroke={props.train.stroke}
            dot={false}
            isAnimationActive={false}
          />
          <Line
            name={props.validation.name}
            dataKey={props.validation.dataKey}
            stroke={props.validation.stroke}
            strokeWidth={2}
            dot={{ r: 3 }}
            isAnimationActive={false}
            connectNulls
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

export function TrainingCurves() {
  const curve = useLab((s) => s.curve);
  const current = useLab((s) => s.current);
  const data = useMemo(
    (): CurvePoint[] =>
      curve.map((p) => ({
        x: p.x,
        loss: p.loss,
        valLoss: p.valLoss ?? null,
        accuracy: p.accuracy * 100,
        valAccuracy: p.valAccuracy === undefined ? null : p.valAccuracy * 100,
      })),
    [curve],
  );
  const epochs = current?.progress?.epochs ?? Math.max(1, Math.ceil(curve[curve.length - 1]?.x ?? 1));
  const title = current ? `phase ${current.phase + 1}, candidate ${current.index + 1}` : 'last candidate';
  return (
    <section className="panel chart-panel" aria-labelledby="curves-title">
      <h2 id="curves-title">Training curves ({title})</h2>
      <div className="chart-pair">
        <CurveChart
          testId="loss-chart"
          label={`Training and validation loss over ${epochs} epochs`}
          data={data}
          epochs={epochs}
          yDomain={[0, 'auto']}
          format={(v) => v.toFixed(3)}
          train={{ name: 'train loss', dataKey: 'loss', stroke: '#b45309' }}
          validation={{ name: 'validation loss', dataKey: 'valLoss', stroke: '#7c3aed' }}
        />
        <CurveChart
          testId="accuracy-chart"
          label={`Training and validation accuracy over ${epochs} epochs`}
          data={data}
          epochs={epochs}
          yDomain={[0, 100]}
          yUnit="%"
          format={(v) => pct(v / 100, 1)}
          train={{ name: 'train accuracy', dataKey: 'accuracy', stroke: '#0f766e' }}
          validation={{ name: 'validation accuracy', dataKey: 'valAccuracy', stroke: '#1d4ed8' }}
        />
      </div>
    </section>
  );
}
