/** Wiring of saved runs: opens storage in the worker, keeps the history list fresh, and the resume/open/export/import actions. */
import { useCallback, useEffect, useMemo, type RefObject } from 'react';
import * as Comlink from 'comlink';
import { runLogToEvents } from '../persist/replay';
import { useLab } from '../store';
import { finalActive } from '../store/selectors';
import type { RunLog, StorageNotice, StoredRunSummary } from '../worker/api';
import type { WorkerBridge } from './bridge';
import { runLogText, saveFile } from './exports';
import { runLabel } from '../components/runFormat';

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** How often the history is re-read while another tab runs a run (its lock may go away with that tab). */
const ELSEWHERE_POLL_MS = 2_000;

/** The `?simulate=` value without its crash faults (crash:N, abort:N). */
function withoutCrashes(simulate: string | null): string | null {
  return simulate === null
    ? null
    : simulate
        .split(',')
        .filter((f) => !/^\s*(crash|abort)\b/.test(f))
        .join(',');
}

/** Actions of the resume offer and the run history. */
export interface SavedRunActions {
  onResumeRun: (id: string) => void;
  onOpenRun: (id: string) => Promise<void>;
  onExportRun: (id: string) => Promise<void>;
  onDeleteRun: (id: string) => Promise<void>;
  onImportRun: (file: File) => Promise<void>;
  loadRunLog: (id: string) => Promise<RunLog>;
}

/** Call after the effect that starts the worker: `bridge` is App's ref (Stop reaches a resumed run through the worker's controller too). */
export function useSavedRuns(bridge: RefObject<WorkerBridge | null>): SavedRunActions {
  const refresh = useCallback(async (): Promise<void> => {
    const b = bridge.current;
    if (!b) return;
    try {
      useLab.getState().runsListed(await b.api.listRuns());
    } catch (e) {
      useLab.getState().historyFailed(errorText(e));
    }
  }, [bridge]);

  useEffect(() => {
    const b = bridge.current;
    if (!b) return;
    let alive = true;
    const onNotice = (n: StorageNotice): void => {
      if (!alive) return;
      useLab.getState().storageNotice(n);
      void refresh();
    };
    // ?simulate=... is a test hook (see EvolabWorkerApi.openStorage); a simulated crash crashes the first worker only,
    // so that its replacement can resume the run.
    const simulate = new URLSearchParams(window.location.search).get('simulate');
    const stopSetup = b.onWorker((api, generation) => {
      void api.watchStorage(Comlink.proxy(onNotice));
      api.openStorage(generation === 0 ? simulate : withoutCrashes(simulate)).then(
        (state) => {
          if (!alive) return;
          useLab.getState().storageOpened(state);
          void refresh();
        },
        (e: unknown) => useLab.getState().storageOpened({ available: false, message: errorText(e) }),
      );
    });
    const unsubscribe = useLab.subscribe((s, prev) => {
      if (s.status !== prev.status && (s.status === 'done' || s.status === 'stopped' || s.status === 'error'))
        void refresh();
      // A final network is saved with its run: its history row changes.
      if (s.final.status !== prev.final.status && s.final.status === 'done') void refresh();
    });
    const timer = setInterval(() => {
      if (useLab.getState().runs.some((r) => r.elsewhere)) void refresh();
    }, ELSEWHERE_POLL_MS);
    return () => {
      alive = false;
      stopSetup();
      unsubscribe();
      clearInterval(timer);
    };
  }, [bridge, refresh]);

  const onResumeRun = useCallback(
    (id: string) => {
      const b = bridge.current;
      if (!b) return;
      const lab = useLab.getState();
      const summary: StoredRunSummary | undefined = lab.runs.find((r) => r.id === id);
      lab.historyFailed(null);
      void (async () => {
        try {
          lab.datasetLoaded(await b.api.restoreRunDataset(id));
        } catch (e) {
          useLab.getState().historyFailed(errorText(e));
          return;
        }
        // The settings panel shows the run's own settings (and the address follows them).
        if (summary) lab.loadConfig(summary.config, []);
        lab.runRequested();
        try {
          await b.resume(id, { onEvent: lab.runEvent });
        } catch (e) {
          useLab.getState().runFailed(errorText(e));
          useLab.getState().historyFailed(errorText(e));
        }
        void refresh();
      })();
    },
    [bridge, refresh],
  );

  const loadRunLog = useCallback(
    async (id: string): Promise<RunLog> => {
      const b = bridge.current;
      if (!b) throw new Error('the worker is not running');
      return b.api.getRunLog(id);
    },
    [bridge],
  );

  const onOpenRun = useCallback(
    async (id: string) => {
      const lab = useLab.getState();
      if (lab.status === 'running' || lab.status === 'starting' || lab.status === 'stopping')
        throw new Error('a run is in progress: open saved runs when it has ended');
      if (finalActive(lab))
        throw new Error('the best network is being trained longer: open saved runs when that training has ended');
      const log = await loadRunLog(id);
      const backend = lab.backend;
      lab.runRequested();
      for (const e of runLogToEvents(log, backend?.software ?? false)) lab.runEvent(e);
      // The badge keeps naming this tab's backend; the saved run's own backend stays in its events.
      if (backend) lab.backendReady(backend);
      if (log.outcome === 'running')
        lab.runFailed('this saved run was interrupted here (Resume in Run history continues it)');
      // The downloads and Try the model use this run's own model: its final network, else its best one. Both are set
      // together so that the buttons never give the reason of a run without one while the model is being read.
      const b = bridge.current;
      const source = b ? await b.api.openRunModel(id).catch(() => null) : null;
      const now = useLab.getState();
      now.viewRun({ id, label: runLabel(log.createdAt) });
      now.modelAvailable(source);
    },
    [bridge, loadRunLog],
  );

  const onExportRun = useCallback(
    async (id: string) => {
      const log = await loadRunLog(id);
      saveFile(`evolab-run-${runLabel(log.createdAt).replace(/[ :]/g, '-')}.json`, runLogText(log), 'application/json');
    },
    [loadRunLog],
  );

  const onDeleteRun = useCallback(
    async (id: string) => {
      const b = bridge.current;
      if (!b) throw new Error('the worker is not running');
      await b.api.deleteRun(id);
      if (useLab.getState().viewing?.id === id) useLab.getState().viewRun(null);
      await refresh();
    },
    [bridge, refresh],
  );

  const onImportRun = useCallback(
    async (file: File) => {
      const b = bridge.current;
      if (!b) throw new Error('the worker is not running');
      await b.api.importRunLog(await file.text());
      await refresh();
    },
    [bridge, refresh],
  );

  return useMemo(
    () => ({ onResumeRun, onOpenRun, onExportRun, onDeleteRun, onImportRun, loadRunLog }),
    [onResumeRun, onOpenRun, onExportRun, onDeleteRun, onImportRun, loadRunLog],
  );
}
