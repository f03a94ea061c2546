/** Choosing the dataset and seeing what is in it. */
import { useLab } from '../store';
import { CLASS_LABELS, FaceGrid } from './FaceGrid';

export function DatasetPanel({ onUseSample }: { onUseSample: () => void }) {
  const dataset = useLab((s) => s.dataset);
  const busy = useLab((s) => s.datasetBusy);
  const error = useLab((s) => s.datasetError);
  const running = useLab((s) => s.status === 'running' || s.status === 'starting' || s.status === 'stopping');
  return (
    <section className="panel" aria-labelledby="dataset-title">
      <h2 id="dataset-title">Dataset</h2>
      <div className="row">
        <button type="button" onClick={onUseSample} disabled={busy || running}>
          Use synthetic sample
        </button>
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {busy ? <p>Loading…</p> : null}
      {dataset ? (
        <div data-testid="dataset-summary">
          <p>
            <strong>{dataset.name}</strong>
            {dataset.synthetic ? <span className="tag">synthetic sample</span> : null} · {dataset.count.toLocaleString()} images
          </p>
          <table className="counts">
            <caption>Images per class and split</caption>
            <thead>
              <tr>
                <th scope="col">Split</th>
                {CLASS_LABELS.map((l) => (
                  <th scope="col" key={l}>
                    {l}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {(['train', 'val', 'test'] as const).map((k) => (
                <tr key={k}>
                  <th scope="row">{k === 'val' ? 'validation (fitness)' : k === 'test' ? 'test (never seen by the GA)' : 'train'}</th>
                  {dataset.splits[k].map((n, i) => (
                    <td key={i}>{n}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <FaceGrid samples={dataset.samples} />
        </div>
      ) : null}
    </section>
  );
}
