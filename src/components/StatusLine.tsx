/** The live region: says what the lab is doing, and "Run complete" when a run has ended. */
import { useLab } from '../store';

export function StatusLine() {
  const status = useLab((s) => s.status);
  const error = useLab((s) => s.runError);
  const hasData = useLab((s) => s.dataset !== null);
  const text = (() => {
    switch (status) {
      case 'idle':
        return hasData ? 'Ready: press Start.' : 'Load the synthetic sample or a FER2013 CSV to begin.';
      case 'starting':
        return 'Starting run…';
      case 'running':
        return 'Running.';
      case 'stopping':
        return 'Stopping…';
      case 'done':
        return 'Run complete.';
      case 'stopped':
        return 'Run stopped.';
      case 'error':
        return `Run failed: ${error ?? 'unknown error'}`;
    }
  })();
  return (
    <p role="status" className={`status status-${status}`} data-testid="run-status">
      {text}
    </p>
  );
}
