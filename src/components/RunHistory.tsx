/** Past runs saved in this browser: open one as it was, compare two, export, import, delete, resume a stopped one. */
import { useMemo, useState, type ChangeEvent } from 'react';
import { useLab } from '../store';
import type { RunLog, StoredRunSummary } from '../worker/api';
import { CompareChart } from './CompareChart';
import { duration, pct } from '../experiment/format';
import { runLabel, settingsSummary, statusText } from './runFormat';

export interface RunHistoryActions {
  onOpenRun: (id: string) => Promise<void>;
  onExportRun: (id: string) => Promise<void>;
  onDeleteRun: (id: string) => Promise<void>;
  onImportRun: (file: File) => Promise<void>;
  onResumeRun: (id: string) => void;
  loadRunLog: (id: string) => Promise<RunLog>;
}

export function RunHistory({
  onOpenRun,
  onExportRun,
  onDeleteRun,
  onImportRun,
  onResumeRun,
  loadRunLog,
}: RunHistoryActions) {
  const runs = useLab((s) => s.runs);
  const storage = useLab((s) => s.storage);
  const status = useLab((s) => s.status);
  const hasBackend = useLab((s) => s.backend !== null);
  const [selected, setSelected] = useState<string[]>([]);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const active = status === 'running' || status === 'starting' || status === 'stopping';

  const act = (what: string, action: () => Promise<void>, done?: string) => (): void => {
    setBusy(true);
    setError(null);
    setNote(null);
    action().then(
      () => {
        setBusy(false);
        if (done) setNote(done);
      },
      (e: unknown) => {
        setBusy(false);
        setError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  };

  const toggle =
    (id: string) =>
    (e: ChangeEvent<HTMLInputElement>): void => {
      const on = e.target.checked;
      // Two runs at most: picking a third drops the one picked first.
      setSelected((s) => (on ? [...s.filter((x) => x !== id), id].slice(-2) : s.filter((x) => x !== id)));
    };

  const onFile = (e: ChangeEvent<HTMLInputElement>): void => {
    const input = e.target;
    const file = input.files?.[0];
    if (!file) return;
    act(
      `Import ${file.name}`,
      async () => {
        try {
          await onImportRun(file);
        } finally {
          input.value = '';
        }
      },
      `Imported ${file.name}.`,
    )();
  };

  const pair = useMemo(() => {
    const found = selected
      .map((id) => runs.find((r) => r.id === id))
      .filter((r): r is StoredRunSummary => r !== undefined);
    return found.length === 2 ? ([found[0], found[1]] as [StoredRunSummary, StoredRunSummary]) : null;
  }, [selected, runs]);

  return (
    <section className="panel run-history" aria-labelledby="history-title">
      <h2 id="history-title">Run history</h2>
      <p className="help">
        Every run is saved in this browser after each evaluated candidate (settings, results, the best weights; a data
        file by its SHA-256, with a copy of the latest one's images so that its run resumes without it). Tick two runs
        to compare their fitness curves.
      </p>
      <label className="import">
        Import run log{' '}
        <input
          type="file"
          accept=".json,application/json"
          onChange={onFile}
          disabled={busy || storage?.available === false}
        />
      </label>
      {runs.length === 0 ? (
        <p className="help">
          {storage?.available === false ? 'Storage is unavailable: nothing is saved.' : 'No saved runs yet.'}
        </p>
      ) : (
        <table data-testid="run-history">
          <thead>
            <tr>
              <th scope="col">Compare</th>
              <th scope="col">Date</th>
              <th scope="col">Dataset</th>
              <th scope="col">Settings</th>
              <th scope="col">Status</th>
              <th scope="col">Evaluated</th>
              <th scope="col">Best val.</th>
              <th scope="col">Test</th>
              <th scope="col">Duration</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => {
              const label = runLabel(r.createdAt);
              const locked = r.elsewhere || r.status === 'running';
              return (
                <tr key={r.id} data-run-id={r.id}>
                  <td data-label="Compare">
                    <input
                      type="checkbox"
                      aria-label={`Compare run of ${label}`}
                      checked={selected.includes(r.id)}
                      onChange={toggle(r.id)}
                    />
                  </td>
                  <td data-label="Date">{label}</td>
                  <td data-label="Dataset">
                    {r.dataset.name}
                    {r.imported ? ' (imported)' : ''}
                  </td>
                  <td data-label="Settings">{settingsSummary(r)}</td>
                  <td data-label="Status">{statusText(r)}</td>
                  <td data-label="Evaluated">
                    {r.evaluated}/{r.planned}
                  </td>
                  <td data-label="Best val.">{pct(r.bestAccuracy)}</td>
                  <td data-label="Test">{pct(r.testAccuracy)}</td>
                  <td data-label="Duration">{duration(r.seconds)}</td>
                  <td className="actions" data-label="Actions">
                    <div className="action-buttons">
                      <button
                        type="button"
                        aria-label={`Open run of ${label}`}
                        disabled={busy || active}
                        onClick={act('Open', () => onOpenRun(r.id))}
                      >
                        Open
                      </button>{' '}
                      <button
                        type="button"
                        aria-label={`Export run of ${label}`}
                        disabled={busy}
                        onClick={act('Export', () => onExportRun(r.id))}
                      >
                        Export
                      </button>{' '}
                      {r.resumable ? (
                        <>
                          <button
                            type="button"
                            aria-label={`Resume run of ${label}`}
                            disabled={busy || active || !hasBackend}
                            onClick={() => onResumeRun(r.id)}
                          >
                            Resume
                          </button>{' '}
                        </>
                      ) : null}
                      {confirming === r.id ? (
                        <button
                          type="button"
                          className="danger"
                          aria-label={`Confirm delete of run of ${label}`}
                          disabled={busy || locked}
                          onClick={act('Delete', async () => {
                            setConfirming(null);
                            setSelected((s) => s.filter((x) => x !== r.id));
                            await onDeleteRun(r.id);
                          })}
                        >
                          Confirm delete
                        </button>
                      ) : (
                        <button
                          type="button"
                          aria-label={`Delete run of ${label}`}
                          disabled={busy || locked}
                          onClick={() => setConfirming(r.id)}
                        >
                          Delete
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {note ? <p className="help">{note}</p> : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {pair ? <CompareChart runs={pair} loadRunLog={loadRunLog} /> : null}
    </section>
  );
}
