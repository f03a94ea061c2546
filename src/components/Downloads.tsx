/** Take the result home: the model, the run log, the population history and the fitness chart. Errors are shown in place. */
import { useState } from 'react';
import { useLab } from '../store';
import { modelBlocker } from '../store/selectors';

export interface DownloadActions {
  onModel: () => Promise<void>;
  onRunLog: () => Promise<void>;
  onCsv: () => Promise<void>;
  onChart: () => Promise<void>;
}

export function Downloads(actions: DownloadActions) {
  const evaluated = useLab((s) => s.individuals.length > 0);
  // The worker's model: this tab's run's, or the saved run on view's own (final, else best).
  const modelSource = useLab((s) => s.modelSource);
  const noModel = useLab(modelBlocker);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = (name: string, action: () => Promise<void>) => (): void => {
    setBusy(name);
    setError(null);
    action().then(
      () => setBusy(null),
      (e: unknown) => {
        setBusy(null);
        setError(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  };
  const items: { name: string; action: () => Promise<void>; enabled: boolean; help: string }[] = [
    {
      name: 'Download model',
      action: actions.onModel,
      enabled: noModel === null,
      help:
        noModel ??
        `${modelSource === 'final' ? 'The final model (trained longer): ' : ''}model.json + weights.bin (tf.loadLayersModel) and evolab.json (chromosome, metrics) in one zip`,
    },
    {
      name: 'Download run log',
      action: actions.onRunLog,
      enabled: evaluated,
      help: 'run.json: settings, every individual, phases, best and test scores',
    },
    {
      name: 'Download population CSV',
      action: actions.onCsv,
      enabled: evaluated,
      help: 'one row per evaluated individual with all genes',
    },
    {
      name: 'Download fitness chart',
      action: actions.onChart,
      enabled: evaluated,
      help: 'the fitness-per-phase figure as SVG',
    },
  ];
  return (
    <section className="panel" aria-labelledby="downloads-title">
      <h2 id="downloads-title">Downloads</h2>
      <ul className="downloads">
        {items.map((d) => (
          <li key={d.name}>
            <button
              type="button"
              onClick={run(d.name, d.action)}
              disabled={!d.enabled || busy !== null}
              aria-describedby={`dl-${d.name.replace(/\W+/g, '-')}`}
            >
              {d.name}
            </button>{' '}
            <small id={`dl-${d.name.replace(/\W+/g, '-')}`} className="help">
              {busy === d.name ? 'Preparing…' : d.help}
            </small>
          </li>
        ))}
      </ul>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
