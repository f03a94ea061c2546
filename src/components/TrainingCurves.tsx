/** The current candidate's training curves: loss and accuracy, train (per batch) and validation (per epoch). */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useMemo } from 'react';
import { useLab } from '../store';
import { pct } from '../experiment/format';

export function TrainingCurves() {
  const curve = useLab((s) => s.curve);
  const current = useLab((s) => s.current);
  const data = useMemo(
    () =>
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
        <div
          className="chart small"
          data-testid="loss-chart"
          role="img"
          aria-label={`Training and validation loss over ${epochs} epochs`}
        >
          <ResponsiveContainer width="100%" height={200}>
            <LineChart data={data} margin={{ top: 4, right: 12, bottom: 16, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis
                type="number"
                dataKey="x"
                domain={[0, epochs]}
                allowDecimals={false}
                label={{ value: 'epoch', position: 'insideBottom', offset: -8 }}
              />
              <YAxis width={44} domain={[0, 'auto']} />
              <Tooltip
                formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))}
                labelFormatter={(x) => `epoch ${Number(x).toFixed(2)}`}
              />
              <Legend verticalAlign="top" height={20} />
              <Line name="train loss" dataKey="loss" stroke="#b45309" dot={false} isAnimationActive={false} />
              <Line
                name="validation loss"
                dataKey="valLoss"
                stroke="#7c3aed"
                strokeWidth={2}
                dot={{ r: 3 }}
                isAnimationActive={false}
                connectNulls
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
        <div
          className="chart small"
          data-testid="accuracy-chart"
          role="img"
          aria-label={`Training and validation accuracy over ${epochs} epochs`}
        >
          <ResponsiveContainer width="100%" height={200}>
            <LineChart data={data} margin={{ top: 4, right: 12, bottom: 16, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis
                type="number"
                dataKey="x"
                domain={[0, epochs]}
                allowDecimals={false}
                label={{ value: 'epoch', position: 'insideBottom', offset: -8 }}
              />
              <YAxis width={44} domain={[0, 100]} unit="%" />
              <Tooltip
                formatter={(v) => (typeof v === 'number' ? pct(v / 100, 1) : String(v))}
                labelFormatter={(x) => `epoch ${Number(x).toFixed(2)}`}
              />
              <Legend verticalAlign="top" height={20} />
              <Line name="train accuracy" dataKey="accuracy" stroke="#0f766e" dot={false} isAnimationActive={false} />
              <Line
                name="validation accuracy"
                dataKey="valAccuracy"
                stroke="#1d4ed8"
                strokeWidth={2}
                dot={{ r: 3 }}
                isAnimationActive={false}
                connectNulls
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
      </div>
    </section>
  );
}
