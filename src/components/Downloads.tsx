/** Take the result home: the model, the run log, the population history and the fitness chart. Errors are shown in place. */
import { useState } from 'react';
import { useLab } from '../store';
import { finalActive } from '../store/selectors';

export interface DownloadActions {
  onModel: () => Promise<void>;
  onRunLog: () => Promise<void>;
  onCsv: () => Promise<void>;
  onChart: () => Promise<void>;
}

export function Downloads(actions: DownloadActions) {
  const status = useLab((s) => s.status);
  const hasBest = useLab((s) => s.best !== null);
  const evaluated = useLab((s) => s.individuals.length > 0);
  // The worker's model: this tab's run's, or the final network a saved run on view kept; none for other saved runs.
  const modelSource = useLab((s) => s.modelSource);
  const finalBusy = useLab(finalActive);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ended = status === 'done' || status === 'stopped';
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
      enabled: ended && modelSource !== null && !finalBusy,
      help:
        ended && hasBest && modelSource === null
          ? 'a saved run keeps no model unless it was trained longer (Train best longer): available for a run trained in this tab'
          : `${modelSource === 'final' ? 'The final model (trained longer): ' : ''}model.json + weights.bin (tf.loadLayersModel) and evolab.json (chromosome, metrics) in one zip`,
    },
    { name: 'Download run log', action: actions.onRunLog, enabled: evaluated, help: 'run.json: settings, every individual, phases, best and test scores' },
    { name: 'Download population CSV', action: actions.onCsv, enabled: evaluated, help: 'one row per evaluated individual with all genes' },
    { name: 'Download fitness chart', action: actions.onChart, enabled: evaluated, help: 'the fitness-per-phase figure as SVG' },
  ];
  return (
    <section className="panel" aria-labelledby="downloads-title">
      <h2 id="downloads-title">Downloads</h2>
      <ul className="downloads">
        {items.map((d) => (
          <li key={d.name}>
            <button type="button" onClick={run(d.name, d.action)} disabled={!d.enabled || busy !== null} aria-describedby={`dl-${d.name.replace(/\W+/g, '-')}`}>
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
