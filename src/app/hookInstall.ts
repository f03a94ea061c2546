/** Installs the automation hook (labHook.ts) on `window`: the store's state, the run events the bridge sees, the worker's run log and model. */
import { useLab } from '../store';
import { startBlocker } from '../store/selectors';
import type { RunEvent } from '../worker/api';
import type { WorkerBridge } from './bridge';
import { runLogInView, servedModelFiles } from './exports';
import type { LabHook, LabHookEvents } from './labHook';

/** Run events not yet taken by the tool, with their sequence numbers. */
export class HookEventQueue {
  private items: { seq: number; event: RunEvent }[] = [];
  private seq = 0;

  /** Adds an event (a batch progress event may be replaced by the next progress of the same candidate). */
  push(event: RunEvent): void {
    this.seq++;
    const last = this.items[this.items.length - 1];
    // Progress arrives up to 10 times a second: a tool that polls less often needs only the latest batch of a run of
    // them; an epoch's end (with its validation scores) is kept.
    const merge =
      event.type === 'progress' &&
      last?.event.type === 'progress' &&
      last.event.progress.kind === 'batch' &&
      last.event.phase === event.phase &&
      last.event.index === event.index;
    if (merge) {
      this.items[this.items.length - 1] = { seq: this.seq, event };
    } else {
      this.items.push({ seq: this.seq, event });
    }
  }

  /** The events after sequence number `after`; those up to it are dropped. */
  take(after: number): LabHookEvents {
    this.items = this.items.filter((i) => i.seq > after);
    return { events: this.items.map((i) => i.event), last: this.seq };
  }
}

const base64 = (bytes: Uint8Array): string => {
  let text = '';
  // In slices: String.fromCharCode takes its bytes as arguments, and a call has an argument limit.
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
};

/** Installs `window.__evolab` for this bridge; returns the uninstall. */
export function installLabHook(bridge: WorkerBridge): () => void {
  const queue = new HookEventQueue();
  const unwatch = bridge.watchRuns((e) => queue.push(e));
  const hook: LabHook = {
    version: 1,
    state() {
      const s = useLab.getState();
      const dataset = s.dataset ? (({ samples: _samples, ...rest }) => rest)(s.dataset) : null;
      return {
        status: s.status,
        runError: s.runError,
        backend: s.backend,
        backendError: s.backendError,
        dataset,
        datasetBusy: s.datasetBusy,
        datasetError: s.loadRejection?.error ?? s.datasetError,
        startBlocked: startBlocker(s),
        workerCrash: s.workerCrash,
      };
    },
    events: (after) => queue.take(after),
    runLog: () => runLogInView(bridge, useLab.getState().viewing),
    async modelFiles() {
      const { viewing, modelSource } = useLab.getState();
      const files = await servedModelFiles(bridge, viewing, modelSource);
      return Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, base64(bytes)]));
    },
  };
  window.__evolab = hook;
  return () => {
    unwatch();
    if (window.__evolab === hook) delete window.__evolab;
  };
}
