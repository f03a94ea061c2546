/** Start, Stop and Skip candidate. */
import { useLab } from '../store';
import { useSettingsValid } from './SettingsPanel';

export interface RunActions {
  onStart: () => void;
  onStop: () => void;
  onSkip: () => void;
}

export function RunControls({ onStart, onStop, onSkip }: RunActions) {
  const status = useLab((s) => s.status);
  const hasData = useLab((s) => s.dataset !== null);
  const hasBackend = useLab((s) => s.backend !== null);
  const training = useLab((s) => s.current !== null);
  const valid = useSettingsValid();
  const active = status === 'running' || status === 'starting' || status === 'stopping';
  const why = !hasData ? 'Load a dataset first.' : !valid ? 'Fix the settings marked in red.' : !hasBackend ? 'Waiting for the training backend.' : null;
  return (
    <section className="panel controls" aria-label="Run controls">
      <button type="button" className="primary" onClick={onStart} disabled={active || why !== null} aria-describedby="start-why">
        Start
      </button>
      <button type="button" onClick={onStop} disabled={!active || status === 'stopping'}>
        Stop
      </button>
      <button type="button" onClick={onSkip} disabled={status !== 'running' || !training}>
        Skip candidate
      </button>
      <small id="start-why" className="help">
        {active ? '' : why ?? ''}
      </small>
    </section>
  );
}
