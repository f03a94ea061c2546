/**
 * Train best longer: after a run, the best chromosome is trained again from scratch for more epochs (flip augmentation
 * on or off), with progress and Stop; its test figures are shown beside the search's, and the downloads and Try the
 * model then use that final model.
 */
import { useId, useState } from 'react';
import { testSetText } from '../experiment/finalResult';
import { parseSettingText, settingByKey } from '../settings';
import { useLab } from '../store';
import type { FinalState } from '../store/run';
import { CLASS_NAMES } from '../data/dataset';
import { duration, pct } from '../experiment/format';
import { ConfusionTable } from './ConfusionTable';

export interface FinalTrainingActions {
  onTrainFinal: (epochs: number, augmentFlip: boolean) => void;
  onStopFinal: () => void;
}

const EPOCHS = settingByKey('epochs');
const MAX_EPOCHS = EPOCHS.kind === 'int' ? EPOCHS.max : 500;

/** Twice the search's epochs (at least 10): the search trains each candidate briefly, the model to keep deserves more. */
export const defaultFinalEpochs = (searchEpochs: number): number =>
  Math.min(MAX_EPOCHS, Math.max(10, 2 * searchEpochs));

export function FinalTraining({ onTrainFinal, onStopFinal }: FinalTrainingActions) {
  const status = useLab((s) => s.status);
  const runConfig = useLab((s) => s.runConfig);
  const best = useLab((s) => s.best);
  const test = useLab((s) => s.test);
  const final = useLab((s) => s.final);
  const modelSource = useLab((s) => s.modelSource);
  const runStartedAt = useLab((s) => s.startedAt);
  const ended = status === 'done' || status === 'stopped';
  if (!ended || best === null || runConfig === null) return null;
  // Keyed by the run, so the fields start from this run's settings.
  return (
    <FinalPanel
      key={runStartedAt ?? 0}
      searchEpochs={runConfig.epochs}
      split={runConfig.split ?? 'canonical'}
      batchSize={runConfig.batchSize}
      patience={runConfig.patience}
      searchVal={best.fitness}
      searchTest={test?.evaluation ?? null}
      final={final}
      modelSource={modelSource}
      onTrainFinal={onTrainFinal}
      onStopFinal={onStopFinal}
    />
  );
}

interface PanelProps extends FinalTrainingActions {
  readonly searchEpochs: number;
  readonly split: string;
  readonly batchSize: number;
  readonly patience: number;
  readonly searchVal: number | null;
  readonly searchTest: { readonly accuracy: number; readonly perClassAccuracy: number[] } | null;
  readonly final: FinalState;
  readonly modelSource: 'search' | 'final' | null;
}

function FinalPanel(props: PanelProps) {
  const { final, split, onTrainFinal, onStopFinal } = props;
  const id = useId();
  const [epochsText, setEpochsText] = useState(String(defaultFinalEpochs(props.searchEpochs)));
  const [flip, setFlip] = useState(true);
  const parsed = parseSettingText(EPOCHS, epochsText);
  const epochsError = 'error' in parsed ? `Final epochs ${parsed.error}.` : null;
  const busy = final.status === 'starting' || final.status === 'training' || final.status === 'stopping';
  const p = final.progress;
  const fraction = p ? (p.epoch - 1 + p.batch / Math.max(1, p.batches)) / Math.max(1, p.epochs) : 0;
  // Measured speed times the batches left (validation passes aside).
  const eta =
    p && p.imagesPerSecond > 0
      ? ((p.epochs - p.epoch) * p.batches + (p.batches - p.batch)) * (props.batchSize / p.imagesPerSecond)
      : null;
  const r = final.result;

  const start = (): void => {
    if ('value' in parsed && typeof parsed.value === 'number') onTrainFinal(parsed.value, flip);
  };

  return (
    <section className="panel final-training" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Train the best network longer</h2>
      <p className="help">
        The search trains each candidate briefly. Train best longer trains the best chromosome again from scratch for
        more epochs, with the run&apos;s other settings (batch {props.batchSize},{' '}
        {props.patience === 0
          ? 'no early stopping: the last epoch is kept'
          : `patience ${props.patience}: the lowest-validation-loss epoch is kept`}
        ), then scores it once on the test split. Download model and Try the model then use this final model.
      </p>
      <div className="fields">
        <div className="field">
          <label htmlFor={`${id}-epochs`}>Final epochs</label>
          <input
            id={`${id}-epochs`}
            type="number"
            inputMode="numeric"
            min={EPOCHS.kind === 'int' ? EPOCHS.min : 1}
            max={MAX_EPOCHS}
            value={epochsText}
            disabled={busy}
            aria-invalid={epochsError !== null}
            aria-describedby={`${id}-epochs-help`}
            onChange={(e) => setEpochsText(e.target.value)}
          />
          <small id={`${id}-epochs-help`} className={epochsError ? 'error' : 'help'}>
            {epochsError ??
              `The search trained ${props.searchEpochs} ${props.searchEpochs === 1 ? 'epoch' : 'epochs'} per candidate.`}
          </small>
        </div>
        <div className="field flag">
          <label htmlFor={`${id}-flip`}>
            <input
              id={`${id}-flip`}
              type="checkbox"
              checked={flip}
              disabled={busy}
              onChange={(e) => setFlip(e.target.checked)}
              aria-describedby={`${id}-flip-help`}
            />
            Final flip augmentation
          </label>
          <small id={`${id}-flip-help`} className="help">
            Mirror training images at random (faces are roughly symmetric).
          </small>
        </div>
      </div>
      <div className="controls final-buttons">
        <button type="button" className="primary" onClick={start} disabled={busy || epochsError !== null}>
          Train best longer
        </button>
        <button
          type="button"
          onClick={onStopFinal}
          disabled={final.status !== 'training' && final.status !== 'starting'}
        >
          Stop training
        </button>
      </div>

      <div aria-live="polite" className="final-status">
        {busy ? (
          <div data-testid="final-progress">
            <label htmlFor={`${id}-progress`}>Final training</label>
            <progress id={`${id}-progress`} max={1} value={fraction} />
            <p>
              {final.status === 'stopping'
                ? 'Stopping…'
                : p
                  ? `Epoch ${p.epoch} of ${p.epochs}, batch ${p.batch} of ${p.batches} · loss ${p.loss.toFixed(3)} · ${p.imagesPerSecond.toFixed(1)} img/s${eta === null ? '' : ` · about ${duration(eta)} left`}`
                  : 'Building the network…'}
            </p>
          </div>
        ) : final.status === 'done' && r ? (
          <p>
            Final training done: test accuracy {pct(r.testAccuracy)}, validation accuracy {pct(r.valAccuracy)}.
          </p>
        ) : final.status === 'stopped' ? (
          <p data-testid="final-stopped">
            Final training stopped.
            {r
              ? ' The model of the last finished final training is kept.'
              : " The downloads keep using the search's best model."}
          </p>
        ) : null}
      </div>
      {final.status === 'failed' && final.error ? (
        <p className="error" role="alert">
          Final training failed: {final.error}
        </p>
      ) : null}

      {final.epochs.length > 0 ? (
        <div className="scroll-x" tabIndex={0} role="region" aria-label="Epochs of the final training">
          <table data-testid="final-epochs">
            <caption>Epochs of the final training</caption>
            <thead>
              <tr>
                <th scope="col">epoch</th>
                <th scope="col">loss</th>
                <th scope="col">accuracy</th>
                <th scope="col">validation loss</th>
                <th scope="col">validation accuracy</th>
              </tr>
            </thead>
            <tbody>
              {final.epochs.map((e) => (
                <tr key={e.epoch}>
                  <th scope="row">
                    {e.epoch}
                    {r && !busy && r.keptEpoch === e.epoch ? ' (kept)' : ''}
                  </th>
                  <td>{e.loss.toFixed(4)}</td>
                  <td>{pct(e.accuracy)}</td>
                  <td>{e.valLoss === null ? '–' : e.valLoss.toFixed(4)}</td>
                  <td>{pct(e.valAccuracy)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      {r ? (
        <div data-testid="final-result">
          <p>
            Test accuracy of the final model <strong data-testid="final-test-accuracy">{pct(r.testAccuracy)}</strong>
            {r.testAccuracy === null
              ? ` (the ${r.config.split} split has no test images)`
              : ` on ${r.testCount} ${testSetText(split, 'search')}`}
            ; trained {r.epochs.length} of up to {r.config.epochs} epochs (epoch {r.keptEpoch} kept) in{' '}
            {duration(r.seconds)}
            {props.modelSource === 'final' ? '. Download model and Try the model use it.' : '.'}
          </p>
          <div className="scroll-x" tabIndex={0} role="region" aria-label="Search and final model compared">
            <table className="final-compare" data-testid="final-compare">
              <caption>The search&apos;s best model and the final model</caption>
              <thead>
                <tr>
                  <th scope="col">figure</th>
                  <th scope="col">search&apos;s best</th>
                  <th scope="col">final model</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">epochs (at most)</th>
                  <td>{props.searchEpochs}</td>
                  <td>{r.config.epochs}</td>
                </tr>
                <tr>
                  <th scope="row">validation accuracy</th>
                  <td>{pct(props.searchVal)}</td>
                  <td>{pct(r.valAccuracy)}</td>
                </tr>
                <tr>
                  <th scope="row">test accuracy</th>
                  <td data-testid="search-test-accuracy">{pct(props.searchTest?.accuracy ?? null)}</td>
                  <td>{pct(r.testAccuracy)}</td>
                </tr>
                {CLASS_NAMES.map((label, i) => (
                  <tr key={label}>
                    <th scope="row">test accuracy, {label}</th>
                    <td>{pct(props.searchTest?.perClassAccuracy[i] ?? null, 1)}</td>
                    <td>{pct(r.perClassAccuracy?.[i] ?? null, 1)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {r.confusion ? (
            <details>
              <summary>Confusion matrix of the final model</summary>
              <div className="scroll-x" tabIndex={0} role="region" aria-label="Confusion matrix of the final model">
                <ConfusionTable
                  confusion={r.confusion}
                  caption="Final model: rows are the true class, columns the predicted class"
                />
              </div>
            </details>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
