/** Saved-run status at the top of the lab: storage faults, "saved after N candidates", the interrupted run on offer, runs other tabs drive. */
import { useMemo } from 'react';
import { useLab } from '../store';
import { pct } from '../experiment/format';
import { runLabel } from './runFormat';

export interface ResumeOfferProps {
  onResumeRun: (id: string) => void;
}

export function ResumeOffer({ onResumeRun }: ResumeOfferProps) {
  const storage = useLab((s) => s.storage);
  const fault = useLab((s) => s.storageFault);
  const saved = useLab((s) => s.saved);
  const dataCopy = useLab((s) => s.dataCopy);
  const runs = useLab((s) => s.runs);
  const error = useLab((s) => s.historyError);
  const dismissed = useLab((s) => s.resumeDismissed);
  const dismiss = useLab((s) => s.dismissResume);
  const status = useLab((s) => s.status);
  const backend = useLab((s) => s.backend);
  const viewing = useLab((s) => s.viewing);
  const active = status === 'running' || status === 'starting' || status === 'stopping';
  const offer = useMemo(
    () => runs.find((r) => r.status === 'interrupted' && r.resumable && r.id !== dismissed) ?? null,
    [runs, dismissed],
  );
  const elsewhere = useMemo(() => runs.filter((r) => r.elsewhere), [runs]);
  const showSaved = saved !== null && (active || status === 'done' || status === 'stopped') && fault === null;
  const showViewing = viewing !== null;
  const unavailable = storage !== null && !storage.available ? storage.message : null;
  if (!unavailable && !fault && !showSaved && !(offer && !active) && elsewhere.length === 0 && !error && !showViewing)
    return null;
  return (
    <section className="panel saved-runs" aria-label="Saved runs">
      {unavailable ? (
        <p className="error" role="alert" data-testid="storage-unavailable">
          {unavailable}
        </p>
      ) : null}
      {fault ? (
        <p className="error" role="alert" data-testid="storage-fault">
          {fault}
        </p>
      ) : null}
      {showSaved && saved ? (
        <p className="help" data-testid="saved-status">
          Saved in this browser after {saved.evaluated} of up to {saved.planned} candidates: a reload or crash costs at
          most the candidate in training.
        </p>
      ) : null}
      {showSaved && saved && dataCopy?.runId === saved.runId ? (
        <p className="help" data-testid="data-copy">
          {dataCopy.message === null
            ? `A copy of ${dataCopy.name} is kept in this browser: resuming this run after a reload or crash needs no file.`
            : `Resuming this run after a reload or crash will ask for ${dataCopy.name} again: ${dataCopy.message}.`}
        </p>
      ) : null}
      {showViewing && viewing ? (
        <p data-testid="viewing-run">
          Showing the saved run of {viewing.label} as it was (read-only). Start begins a new run.
        </p>
      ) : null}
      {offer && !active ? (
        <div className="resume-offer" data-testid="resume-offer">
          <p>
            A run was interrupted: started {runLabel(offer.createdAt)} on {offer.dataset.name}, {offer.evaluated} of up
            to {offer.planned} candidates evaluated, best validation accuracy {pct(offer.bestAccuracy)}. Resuming
            retrains the candidate that was in training and ends as if never interrupted.
          </p>
          {offer.dataset.kind === 'file' ? (
            <p className="help" data-testid="resume-data">
              {offer.fileNeeded === null
                ? `Its data, ${offer.dataset.name}, is kept in this browser: Resume needs no file.`
                : `Load ${offer.dataset.name} again first (it is checked by its SHA-256): ${offer.fileNeeded}.`}
            </p>
          ) : null}
          {backend && backend.name !== offer.backend.name ? (
            <p className="help">
              It trained on {offer.backend.name}; this tab uses {backend.name}, so the result can differ from an
              uninterrupted run.
            </p>
          ) : null}
          <button type="button" className="primary" onClick={() => onResumeRun(offer.id)} disabled={backend === null}>
            Resume interrupted run
          </button>{' '}
          <button type="button" onClick={() => dismiss(offer.id)}>
            Not now
          </button>
        </div>
      ) : null}
      {elsewhere.map((r) => (
        <p key={r.id} data-testid="run-elsewhere">
          Another tab of this lab is running the run started {runLabel(r.createdAt)}: only that tab can drive it (this
          tab cannot resume or delete it meanwhile).
        </p>
      ))}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
