/** Start, Pause, Resume, Stop and Skip candidate. */
import { useLab } from '../store';
import { runActive, startBlocker } from '../store/selectors';

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
  const training = useLab((s) => s.current !== null);
  const active = useLab(runActive);
  const why = useLab(startBlocker);
  return (
    <section className="panel controls" aria-label="Run controls">
      <button type="button" className="primary" onClick={onStart} disabled={why !== null} aria-describedby="start-why">
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
