/** Selectors that several readers share (views and the automation hook), so a rule is written once. */
import { settingsErrors } from './config';
import type { LabState } from './index';

/** True while a run starts, runs or stops. */
export const runActive = (s: LabState): boolean => s.status === 'running' || s.status === 'starting' || s.status === 'stopping';

/** True while Train best longer starts, trains or stops. */
export const finalActive = (s: LabState): boolean => s.final.status === 'starting' || s.final.status === 'training' || s.final.status === 'stopping';

/** Why Start cannot be pressed now (a run is on, or what to do first), or null when it can. */
export function startBlocker(s: LabState): string | null {
  if (runActive(s)) return 'a run is in progress';
  if (finalActive(s)) return 'The best network is being trained longer: stop that training or wait for it.';
  if (s.dataset === null) return 'Load a dataset first.';
  if (Object.keys(settingsErrors(s.config, s.drafts)).length > 0) return 'Fix the settings marked in red.';
  if (s.backend === null) return 'Waiting for the training backend.';
  return null;
}
