/** Names the backend that trains and why. */
import { useLab } from '../store';

export function BackendBadge() {
  const backend = useLab((s) => s.backend);
  const error = useLab((s) => s.backendError);
  if (error)
    return (
      <p className="backend error" data-testid="backend">
        Backend: {error}
      </p>
    );
  if (!backend)
    return (
      <p className="backend" data-testid="backend">
        Backend: choosing…
      </p>
    );
  return (
    <p className="backend" data-testid="backend" title={backend.reason}>
      Backend: <strong>{backend.name}</strong>
      {backend.software ? ' (software emulation)' : ''} — <span className="reason">{backend.reason}</span>
    </p>
  );
}
