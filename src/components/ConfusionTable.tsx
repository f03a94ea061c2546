/** A confusion matrix as a table (rows: true class, columns: predicted), with per-class accuracy when given. */
import { CLASS_NAMES } from '../data/dataset';
import { pct } from '../experiment/format';

interface Props {
  readonly confusion: readonly (readonly number[])[];
  readonly caption: string;
  /** The table's accessible name, when it should differ from its caption. */
  readonly label?: string;
  /** One accuracy per class, shown as a last column. */
  readonly perClassAccuracy?: readonly number[];
}

export function ConfusionTable({ confusion, caption, label, perClassAccuracy }: Props) {
  return (
    <table className="confusion" aria-label={label}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">true \ predicted</th>
          {CLASS_NAMES.map((l) => (
            <th scope="col" key={l}>
              {l}
            </th>
          ))}
          {perClassAccuracy ? <th scope="col">accuracy</th> : null}
        </tr>
      </thead>
      <tbody>
        {confusion.map((row, i) => (
          <tr key={i}>
            <th scope="row">{CLASS_NAMES[i]}</th>
            {row.map((n, j) => (
              <td key={j} className={i === j ? 'diag' : undefined}>
                {n}
              </td>
            ))}
            {perClassAccuracy ? <td>{pct(perClassAccuracy[i] ?? NaN, 1)}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
