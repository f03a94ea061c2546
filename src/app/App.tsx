/** Layout and wiring: the one place where the store and the worker meet. */
import { useCallback, useEffect, useRef } from 'react';
import { BackendBadge } from '../components/BackendBadge';
import { BestPanel } from '../components/BestPanel';
import { DatasetPanel } from '../components/DatasetPanel';
import { FinalTraining } from '../components/FinalTraining';
import { FitnessChart } from '../components/FitnessChart';
import { FrontTable } from '../components/FrontTable';
import { ParetoChart } from '../components/ParetoChart';
import { ProgressPanel } from '../components/ProgressPanel';
import { RunControls } from '../components/RunControls';
import { RunCost } from '../components/RunCost';
import { SettingsPanel } from '../components/SettingsPanel';
import { StatusLine } from '../components/StatusLine';
import { TestResults } from '../components/TestResults';
import { Downloads } from '../components/Downloads';
import { PhaseTable } from '../components/PhaseTable';
import { PopulationTable } from '../components/PopulationTable';
import { TimeChart } from '../components/TimeChart';
import { TrainingCurves } from '../components/TrainingCurves';
import { TryModel } from '../components/TryModel';
import { configFromQuery, mergeQuery } from '../store/settings';
import { fitnessChartSvg } from '../experiment/report';
import { modelZip, populationCsv, runLogInView, runLogText, saveFile, servedModelFiles } from './exports';
import { useLab } from '../store';
import { backendKey, costKey, sameConfig } from '../store/cost';
import { trainedSeconds } from '../experiment/cost';
import { settingsErrors } from '../store/config';
import { finalActive, runActive } from '../store/selectors';
import { ResumeOffer } from '../components/ResumeOffer';
import { RunHistory } from '../components/RunHistory';
import { useSavedRuns } from './savedRuns';
import { installLabHook } from './hookInstall';
import { startWorker, type WorkerBridge } from './bridge';
import * as Comlink from 'comlink';
import type { FaceFrame, IndividualRecord, SplitMode } from '../worker/api';

const SAMPLE_PER_CLASS = 60;
/** Settings typed in a row make one estimate, not one per keystroke. */
const COST_DEBOUNCE_MS = 500;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function App() {
  const bridge = useRef<WorkerBridge | null>(null);

  // Settings come from the address on startup and go back into it on every change, so a link reproduces a run.
  useEffect(() => {
    const { config, errors } = configFromQuery(window.location.search);
    useLab.getState().loadConfig(config, errors);
    return useLab.subscribe((s, prev) => {
      if (s.config === prev.config) return;
      const { pathname, search, hash } = window.location;
      window.history.replaceState(window.history.state, '', `${pathname}${mergeQuery(search, s.config)}${hash}`);
    });
  }, []);

  useEffect(() => {
    const b = startWorker();
    bridge.current = b;
    const uninstallHook = installLabHook(b);
    const params = new URLSearchParams(window.location.search);
    const forced = params.get('backend');
    // ?threads=N sets the wasm thread count (tests, comparisons); without it the worker picks this machine's default.
    const threads = Number(params.get('threads')) || null;
    // A crashed worker took the run and the data with it; its replacement chooses the backend again.
    const stopCrash = b.onCrash((e) => useLab.getState().workerCrashed(e.reason, e.message));
    const stopSetup = b.onWorker((api) => {
      const { backendReady, backendFailed } = useLab.getState();
      api.init(forced, threads).then(backendReady, (e: unknown) => backendFailed(errorText(e)));
    });
    return () => {
      stopSetup();
      stopCrash();
      uninstallHook();
      // Ends any run with the worker that owns it.
      b.terminate();
      bridge.current = null;
    };
  }, []);

  // Saved runs: after the worker effect above, which creates the bridge this hook talks to.
  const persist = useSavedRuns(bridge);

  const onUseSample = useCallback(() => {
    const b = bridge.current;
    if (!b) return;
    const { datasetLoading, datasetLoaded, datasetFailed, config } = useLab.getState();
    datasetLoading();
    b.api.loadSample(SAMPLE_PER_CLASS, config.seed).then(datasetLoaded, (e: unknown) => datasetFailed(errorText(e)));
  }, []);

  const onLoadFile = useCallback((file: File) => {
    const b = bridge.current;
    if (!b) return;
    const { fileLoadStarted, fileLoadProgress, fileLoadFinished, datasetFailed, config } = useLab.getState();
    fileLoadStarted(file.name, file.size);
    b.api
      .loadFile(file, Comlink.proxy(fileLoadProgress), { mode: config.split ?? 'canonical', seed: config.seed })
      .then(fileLoadFinished, (e: unknown) => datasetFailed(errorText(e)));
  }, []);

  const onCancelLoad = useCallback(() => {
    useLab.getState().fileLoadCancelRequested();
    void bridge.current?.api.cancelLoad();
  }, []);

  const onSplitChange = useCallback((mode: SplitMode) => useLab.getState().setSplitMode(mode), []);

  // The dataset view shows the splits the run will use: re-split when the mode, seed or cap changes, or new data arrives.
  const splitMode = useLab((s) => s.config.split ?? 'canonical');
  const splitSeed = useLab((s) => s.config.seed);
  const splitCap = useLab((s) => s.config.perClass);
  const datasetName = useLab((s) => s.dataset?.name ?? null);
  useEffect(() => {
    const b = bridge.current;
    if (!b || datasetName === null) return;
    let current = true;
    b.api.setSplit(splitMode, splitSeed, splitCap > 0 ? splitCap : undefined).then(
      (summary) => current && useLab.getState().datasetLoaded(summary),
      (e: unknown) => current && useLab.getState().datasetFailed(errorText(e)),
    );
    return () => {
      current = false;
    };
  }, [splitMode, splitSeed, splitCap, datasetName]);

  // The expected run time follows the settings, the data and the backend; the worker is never asked while it trains.
  const costConfig = useLab((s) => s.config);
  const costData = useLab((s) => s.dataset);
  const costBackend = useLab((s) => s.backend);
  const costBlocked = useLab(
    (s) =>
      runActive(s) || finalActive(s) || s.datasetBusy || Object.keys(settingsErrors(s.config, s.drafts)).length > 0,
  );
  useEffect(() => {
    const b = bridge.current;
    if (!b || costData === null || costBackend === null || costBlocked) return;
    const key = costKey(costConfig, costData);
    const { cost } = useLab.getState();
    if (cost.key === key || cost.asked === key) return;
    const timer = setTimeout(() => {
      const { costRequested, costMeasuring, costReady, costFailed } = useLab.getState();
      costRequested(key);
      b.api
        .estimateCost(
          costConfig,
          Comlink.proxy(() => costMeasuring(key)),
        )
        .then(
          (estimate) => costReady(key, estimate),
          (e: unknown) => costFailed(key, errorText(e)),
        );
    }, COST_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [costConfig, costData, costBackend, costBlocked]);

  // A finished run teaches the estimate how much longer than predicted a run takes in this tab on its backend: from
  // Start to the end, with what the page, saving and other work on the machine add to the timed steps.
  useEffect(
    () =>
      useLab.subscribe((s, prev) => {
        const ended =
          (s.status === 'done' || s.status === 'stopped') && (prev.status === 'running' || prev.status === 'stopping');
        const planned = s.runEstimate;
        if (!ended || !planned || s.startedAt === null || !sameConfig(planned.config, s.runConfig)) return;
        const { speed, counts, estimate } = planned.cost;
        const trained = trainedSeconds(speed, counts, s.individuals);
        if (trained.actual <= 0) return;
        const wall = (Date.now() - s.startedAt) / 1000;
        const predicted = trained.predicted + (s.status === 'done' ? estimate.testSeconds : 0);
        s.costLearned({ backend: backendKey(planned.cost.backend), factor: wall / predicted });
      }),
    [],
  );

  const onStart = useCallback(() => {
    const b = bridge.current;
    if (!b) return;
    const { runRequested, runEvent, runFailed, config, dataset, costFreeze } = useLab.getState();
    // The time left during the run is the estimate made for exactly these settings and data, when there is one.
    costFreeze(config, dataset);
    // The worker keeps a copy of a file's data for resumes: persistent storage keeps the browser from evicting it.
    if (dataset && !dataset.synthetic) void navigator.storage?.persist?.().catch(() => false);
    runRequested();
    b.run(config, { onEvent: runEvent }).catch((e: unknown) => runFailed(errorText(e)));
  }, []);

  const onStop = useCallback(() => {
    useLab.getState().stopRequested();
    void bridge.current?.api.controlRun({ type: 'stop' });
  }, []);

  const onSkip = useCallback(() => {
    // The skip names the candidate shown in training: if that one has just finished, nothing else is skipped.
    const current = useLab.getState().current;
    if (current)
      void bridge.current?.api.controlRun({ type: 'skip', candidate: { phase: current.phase, index: current.index } });
  }, []);

  const onPause = useCallback(() => {
    useLab.getState().pauseRequested();
    void bridge.current?.api.controlRun({ type: 'pause' });
  }, []);

  const onResume = useCallback(() => {
    useLab.getState().resumeRequested();
    void bridge.current?.api.controlRun({ type: 'resume' });
  }, []);

  const onTrainFinal = useCallback((epochs: number, augmentFlip: boolean) => {
    const b = bridge.current;
    if (!b) return;
    const lab = useLab.getState();
    // A saved run on view (opened from the history) is trained again under its own id; the worker checks its data.
    const runId = lab.viewing?.id;
    lab.finalRequested();
    b.api
      .trainFinal({ epochs, augmentFlip, ...(runId === undefined ? {} : { runId }) }, Comlink.proxy(lab.runEvent))
      .catch((e: unknown) => useLab.getState().finalFailed(errorText(e)));
  }, []);

  const onStopFinal = useCallback(() => {
    useLab.getState().finalStopRequested();
    void bridge.current?.api.controlRun({ type: 'stop' });
  }, []);

  // Every download is made from the worker's run log: the page never rebuilds it.
  const runLog = useCallback(async () => {
    const b = bridge.current;
    if (!b) throw new Error('the worker is not running');
    return runLogInView(b, useLab.getState().viewing);
  }, []);

  const downloads = {
    onModel: useCallback(async () => {
      const b = bridge.current;
      if (!b) throw new Error('the worker is not running');
      const { viewing, modelSource } = useLab.getState();
      saveFile('evolab-model.zip', modelZip(await servedModelFiles(b, viewing, modelSource)), 'application/zip');
    }, []),
    onRunLog: useCallback(async () => saveFile('run.json', runLogText(await runLog()), 'application/json'), [runLog]),
    onCsv: useCallback(async () => saveFile('population.csv', populationCsv(await runLog()), 'text/csv'), [runLog]),
    onChart: useCallback(
      async () => saveFile('fitness.svg', fitnessChartSvg(await runLog()), 'image/svg+xml'),
      [runLog],
    ),
  };

  const onUseModel = useCallback(async (member: IndividualRecord) => {
    const b = bridge.current;
    if (!b) throw new Error('the worker is not running');
    // The worker switches its model and returns the member's test scores, which the run log records as its best.
    useLab
      .getState()
      .runEvent(await b.api.useFrontModel({ phase: member.phase, index: member.index, chromosome: member.chromosome }));
  }, []);

  const onReadFace = useCallback(async (frame: FaceFrame, fallback: 'centre' | 'none') => {
    const b = bridge.current;
    if (!b) throw new Error('the worker is not running');
    return b.api.readFace(Comlink.transfer(frame, [frame.rgba.buffer as ArrayBuffer]), fallback);
  }, []);

  return (
    <div className="app">
      <header>
        <h1>Evolab</h1>
        <p className="tagline">
          A genetic algorithm searches CNN hyperparameters for facial-emotion recognition, training every candidate in
          your browser. Your images never leave this machine.
        </p>
        <BackendBadge />
        <StatusLine />
      </header>
      <main className="grid">
        <div className="column">
          <DatasetPanel
            onUseSample={onUseSample}
            onLoadFile={onLoadFile}
            onCancelLoad={onCancelLoad}
            onSplitChange={onSplitChange}
          />
          <RunControls onStart={onStart} onPause={onPause} onResume={onResume} onStop={onStop} onSkip={onSkip} />
          <RunCost />
          <SettingsPanel />
        </div>
        <div className="column wide">
          <ResumeOffer onResumeRun={persist.onResumeRun} />
          <ProgressPanel />
          <ParetoChart />
          <FrontTable onUseModel={onUseModel} />
          <FitnessChart />
          <TrainingCurves />
          <TimeChart />
          <div className="pair">
            <BestPanel />
            <PhaseTable />
          </div>
          <PopulationTable />
          <TestResults />
          <FinalTraining onTrainFinal={onTrainFinal} onStopFinal={onStopFinal} />
          <Downloads {...downloads} />
          <TryModel onReadFace={onReadFace} />
          <RunHistory {...persist} />
        </div>
      </main>
    </div>
  );
}
