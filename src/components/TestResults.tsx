/** The best model on the test split, which the GA never saw: accuracy, per-class accuracy, confusion matrix. */
import { useLab } from '../store';
import { CLASS_LABELS } from './FaceGrid';

const pct = (x: number): string => (Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`);

export function TestResults() {
  const test = useLab((s) => s.test);
  if (!test) return null;
  const { evaluation: e } = test;
  return (
    <section className="panel" aria-labelledby="test-title">
      <h2 id="test-title">Test results of the best model</h2>
      <p>
        Test accuracy <strong data-testid="test-accuracy">{pct(e.accuracy)}</strong> on {e.count} images the GA never saw.
      </p>
      <table className="confusion" aria-label="Confusion matrix and per-class accuracy">
        <caption>Confusion matrix (rows: true class, columns: predicted) and per-class accuracy</caption>
        <thead>
          <tr>
            <th scope="col">true \ predicted</th>
            {CLASS_LABELS.map((l) => (
              <th scope="col" key={l}>
                {l}
              </th>
            ))}
            <th scope="col">accuracy</th>
          </tr>
        </thead>
        <tbody>
          {e.confusion.map((row, i) => (
            <tr key={i}>
              <th scope="row">{CLASS_LABELS[i]}</th>
              {row.map((n, j) => (
                <td key={j} className={i === j ? 'diag' : undefined}>
                  {n}
                </td>
              ))}
              <td>{pct(e.perClassAccuracy[i] ?? NaN)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
