/** Start, Pause, Resume, Stop and Skip candidate. */
import { useLab } from '../store';
import { useSettingsValid } from './SettingsPanel';

export interface RunActions {
  onStart: () => void;
  onPause: () => void;
  onResume: () => void;
  onStop: () => void;
  onSkip: () => void;
}

export function RunControls({ onStart, onPause, onResume, onStop, onSkip }: RunActions) {
  const status = useLab((s) => s.status);
  const paused = useLab((s) => s.paused);
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
      {/* Both buttons always exist (one disabled), so keyboard focus and layout stay put when one is pressed. */}
      <button type="button" onClick={onPause} disabled={status !== 'running' || paused}>
        Pause
      </button>
      <button type="button" onClick={onResume} disabled={status !== 'running' || !paused}>
        Resume
      </button>
      <button type="button" onClick={onStop} disabled={!active || status === 'stopping'}>
        Stop
      </button>
      <button type="button" onClick={onSkip} disabled={status !== 'running' || !training}>
        Skip candidate
      </button>
      <small id="start-why" className="help">
        {active ? (paused ? 'Paused: training waits after the current batch.' : '') : (why ?? '')}
      </small>
    </section>
  );
}
