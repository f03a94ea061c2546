/** Choosing the dataset (synthetic sample, or a FER2013 CSV by picker or drag-and-drop) and seeing what is in it. */
import { useId, useMemo, useState, type DragEvent } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useLab } from '../store';
import type { BadLineInfo, FileLoad } from '../store/dataset';
import type { DatasetSummary, SplitMode } from '../worker/api';
import { CLASS_NAMES } from '../data/dataset';
import { FaceGrid } from './FaceGrid';
import { settingByKey, settingOptions } from '../settings';

/** The split setting of the settings schema: its name, modes and what each means. */
const SPLIT = settingByKey('split');
const SPLIT_OPTIONS = settingOptions(SPLIT);

const SPLIT_ROWS = [
  { key: 'train', label: 'train' },
  { key: 'val', label: 'validation (fitness)' },
  { key: 'test', label: 'test (never seen by the GA)' },
] as const;

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

export interface DatasetPanelProps {
  onUseSample: () => void;
  onLoadFile: (file: File) => void;
  onCancelLoad: () => void;
  onSplitChange: (mode: SplitMode) => void;
}

export function DatasetPanel({ onUseSample, onLoadFile, onCancelLoad, onSplitChange }: DatasetPanelProps) {
  const dataset = useLab((s) => s.dataset);
  const busy = useLab((s) => s.datasetBusy);
  const error = useLab((s) => s.datasetError);
  const fileLoad = useLab((s) => s.fileLoad);
  const rejection = useLab((s) => s.loadRejection);
  const cancelled = useLab((s) => s.loadCancelled);
  const splitMode = useLab((s) => s.config.split ?? 'canonical');
  const running = useLab((s) => s.status === 'running' || s.status === 'starting' || s.status === 'stopping');
  const locked = busy || running;
  const splitId = useId();
  return (
    <section className="panel" aria-labelledby="dataset-title">
      <h2 id="dataset-title">Dataset</h2>
      <div className="row">
        <button type="button" onClick={onUseSample} disabled={locked}>
          Use synthetic sample
        </button>
      </div>
      <FileDrop disabled={locked} onFile={onLoadFile} />
      {fileLoad ? <LoadProgressView load={fileLoad} onCancel={onCancelLoad} /> : null}
      {busy && !fileLoad ? <p>Loading…</p> : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {rejection ? (
        <div className="error" role="alert" data-testid="load-error">
          <p>
            {rejection.name} was not loaded: {rejection.error}
            {dataset ? ` The dataset loaded before (${dataset.name}) is still in use.` : null}
          </p>
          {rejection.badCount > 0 ? <BadLines count={rejection.badCount} lines={rejection.badLines} /> : null}
        </div>
      ) : null}
      {cancelled ? (
        <p className="note" data-testid="load-cancelled">
          Loading {cancelled} was cancelled.
          {dataset ? ` The dataset loaded before (${dataset.name}) is still in use.` : null}
        </p>
      ) : null}
      <div className="field">
        {/* A label beside (not around) the select, so its name is "Split" and not the option texts too. */}
        <label htmlFor={splitId}>{SPLIT.label}</label>
        <select
          id={splitId}
          value={splitMode}
          disabled={locked}
          aria-describedby={`${splitId}-help`}
          onChange={(e) => onSplitChange(e.target.value as SplitMode)}
        >
          {SPLIT_OPTIONS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        <small id={`${splitId}-help`} className="help">
          {SPLIT.help}
        </small>
      </div>
      {dataset ? <DatasetSummaryView dataset={dataset} /> : null}
    </section>
  );
}

/** The drop zone; the file input inside it is the keyboard and screen-reader path. */
function FileDrop({ disabled, onFile }: { disabled: boolean; onFile: (file: File) => void }) {
  const [over, setOver] = useState(false);
  const accept = (e: DragEvent<HTMLDivElement>): void => {
    // Without preventDefault the browser would open the dropped file instead of handing it to the page.
    e.preventDefault();
    if (e.type === 'dragover') e.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
  };
  return (
    <div
      className={`drop-zone${over ? ' over' : ''}`}
      data-testid="drop-zone"
      onDragEnter={(e) => {
        accept(e);
        setOver(true);
      }}
      onDragOver={accept}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        accept(e);
        setOver(false);
        const file = e.dataTransfer.files[0];
        if (file && !disabled) onFile(file);
      }}
    >
      <label className="field">
        <span>FER2013 CSV</span>
        <input
          type="file"
          accept=".csv,.gz,.csv.gz,.tgz,.tar,.tar.gz,.zip"
          disabled={disabled}
          onChange={(e) => {
            const file = e.target.files?.[0];
            // Cleared so that choosing the same file again loads it again.
            e.target.value = '';
            if (file) onFile(file);
          }}
        />
      </label>
      <p className="hint">
        or drop fer2013.csv, .csv.gz, Kaggle's fer2013.tar.gz or a .zip holding fer2013.csv here. It is read on this
        machine only, nothing is unpacked to disk.
      </p>
    </div>
  );
}

function LoadProgressView({ load, onCancel }: { load: FileLoad; onCancel: () => void }) {
  const p = load.progress;
  const total = p?.totalBytes ?? load.size;
  return (
    <div className="load-progress" data-testid="load-progress">
      <p>Loading {load.name}…</p>
      <progress aria-label={`Loading ${load.name}`} max={Math.max(total, 1)} value={p?.bytes ?? 0} />
      <p className="small" aria-live="polite">
        {mb(p?.bytes ?? 0)} of {mb(total)} MB · {(p?.rows ?? 0).toLocaleString()} rows
        {p && p.badRows > 0 ? ` · ${p.badRows.toLocaleString()} bad rows` : ''} · {(p?.mbPerSec ?? 0).toFixed(1)} MB/s
      </p>
      <button type="button" onClick={onCancel} disabled={load.cancelling}>
        Cancel
      </button>
    </div>
  );
}

function BadLines({ count, lines }: { count: number; lines: readonly BadLineInfo[] }) {
  return (
    <div className="bad-lines" data-testid="bad-lines">
      <p>
        {count.toLocaleString()} bad {count === 1 ? 'row' : 'rows'} skipped
        {count > lines.length ? `; the first ${lines.length}:` : ':'}
      </p>
      <ul>
        {lines.map((b) => (
          <li key={b.line}>
            line {b.line}: {b.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}

function DatasetSummaryView({ dataset }: { dataset: DatasetSummary }) {
  const d = dataset.duplicates;
  const totals = useMemo(
    () => ({
      train: dataset.splits.train.reduce((a, b) => a + b, 0),
      val: dataset.splits.val.reduce((a, b) => a + b, 0),
      test: dataset.splits.test.reduce((a, b) => a + b, 0),
    }),
    [dataset],
  );
  return (
    <div data-testid="dataset-summary">
      <p>
        <strong>{dataset.name}</strong>
        {dataset.synthetic ? <span className="tag">synthetic sample</span> : null} · {dataset.count.toLocaleString()}{' '}
        images
        {dataset.split.leaky ? <span className="tag warn">leaky: fitness measured on the test data</span> : null}
      </p>
      {dataset.synthetic ? null : (
        <dl className="facts" data-testid="dataset-facts">
          {dataset.archive ? (
            <>
              <dt>Read from</dt>
              <dd>
                {dataset.archive.member} in the {dataset.archive.format === 'zip' ? 'ZIP' : 'tar'} archive
              </dd>
            </>
          ) : null}
          <dt>Rows read</dt>
          <dd>{dataset.rows.toLocaleString()} rows</dd>
          <dt>Distinct images kept</dt>
          <dd>{dataset.count.toLocaleString()}</dd>
          <dt>Duplicates</dt>
          <dd>
            {d.rowsRemoved.toLocaleString()} duplicate rows removed ({d.groups.toLocaleString()} repeated images)
          </dd>
          <dt>Label conflicts</dt>
          <dd>{d.labelConflicts.toLocaleString()} duplicate groups with different labels</dd>
          <dt>Across splits</dt>
          <dd>{d.groupsSpanningSplits.toLocaleString()} duplicate groups spanning Usage values</dd>
          <dt>Bad rows</dt>
          <dd>{dataset.badCount.toLocaleString()} skipped</dd>
          <dt>Extra columns</dt>
          <dd>{dataset.extraColumns.length > 0 ? `ignored: ${dataset.extraColumns.join(', ')}` : 'none'}</dd>
          {dataset.usageSource === 'random' ? (
            <>
              <dt>Usage</dt>
              <dd>no Usage column: split 80/10/10 at random (seeded)</dd>
            </>
          ) : null}
        </dl>
      )}
      {dataset.badCount > 0 ? <BadLines count={dataset.badCount} lines={dataset.badLines} /> : null}
      <table className="counts">
        <caption>Images per class and split</caption>
        <thead>
          <tr>
            <th scope="col">Split</th>
            {CLASS_NAMES.map((l) => (
              <th scope="col" key={l}>
                {l}
              </th>
            ))}
            <th scope="col">total</th>
          </tr>
        </thead>
        <tbody>
          {SPLIT_ROWS.map(({ key, label }) => (
            <tr key={key}>
              <th scope="row">{label}</th>
              {dataset.splits[key].map((n, i) => (
                <td key={i}>{n}</td>
              ))}
              <td>{totals[key]}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ClassHistogram splits={dataset.splits} />
      <FaceGrid samples={dataset.samples} />
    </div>
  );
}

/** Images per class, one bar per split. */
function ClassHistogram({ splits }: { splits: DatasetSummary['splits'] }) {
  const data = useMemo(
    () =>
      CLASS_NAMES.map((name, i) => ({
        name,
        train: splits.train[i] ?? 0,
        validation: splits.val[i] ?? 0,
        test: splits.test[i] ?? 0,
      })),
    [splits],
  );
  return (
    <div
      className="chart"
      data-testid="class-histogram"
      role="img"
      aria-label="Histogram of images per class, one bar per split"
    >
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 10, right: 10, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="name" interval={0} tick={{ fontSize: 11 }} />
          <YAxis width={44} allowDecimals={false} />
          <Tooltip />
          <Legend verticalAlign="top" height={24} />
          <Bar dataKey="train" fill="#2563eb" isAnimationActive={false} />
          <Bar dataKey="validation" fill="#16a34a" isAnimationActive={false} />
          <Bar dataKey="test" fill="#d97706" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
