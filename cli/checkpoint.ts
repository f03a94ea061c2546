/**
 * The CLI's checkpoint in DIR/checkpoint/: state.json (engine state, run log so far, settings, best model's shapes,
 * the continuation states' metadata), best-N.bin (the best weights as raw float32), with successive halving
 * cont-N.bin (a training that a later rung may continue, as packed by src/experiment/weights.ts), and in a
 * multi-objective run front-P-I.bin, the weights of each front member (phase P, index I), written when it joins the
 * front and deleted when it leaves. Every file is written to a temp name and renamed, and state.json is renamed last,
 * so a kill at any moment leaves the previous or the new checkpoint, never a torn one.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { EngineState } from '../src/ga';
import type { BestModel, Continuation, FrontModel, RunCheckpoint } from '../src/experiment/run';
import type { RunLog } from '../src/experiment/runlog';
import { parseRunLog } from '../src/experiment/runlogParser';
import type { RunConfig } from '../src/experiment/types';
import type { Chromosome } from '../src/ga/chromosome';
import type { CliBackend } from './args';
import type { SplitMode } from '../src/data/splits';
import {
  packTrainState,
  packWeights,
  unpackTrainState,
  unpackWeights,
  type PackedTrainStateMeta,
} from '../src/experiment/weights';
import type { TrainState } from '../src/ml/train';

const FORMAT = 'evolab-cli-checkpoint';
const STATE_FILE = 'state.json';

/** The settings a run was started with; a resume reuses them. */
export interface CheckpointSettings {
  readonly csv: string;
  readonly split: SplitMode;
  readonly backend: CliBackend;
  readonly config: RunConfig;
  /** --final-epochs: the final training that follows the search (absent when none was asked for). */
  readonly finalEpochs?: number;
}

interface StateFile {
  readonly format: typeof FORMAT;
  readonly version: 1;
  readonly settings: CheckpointSettings;
  readonly engine: EngineState;
  readonly runLog: RunLog;
  readonly best: {
    readonly chromosome: Chromosome;
    readonly fitness: number;
    readonly shapes: number[][];
    readonly file: string;
  } | null;
  /** Successive halving: the trainings a later rung may continue (absent in checkpoints written before halving). */
  readonly continuations?: readonly {
    readonly phase: number;
    readonly index: number;
    readonly file: string;
    readonly meta: PackedTrainStateMeta;
  }[];
  /** Multi-objective runs: the front members, best accuracy first, each with its weights file. */
  readonly front?: readonly {
    readonly phase: number;
    readonly index: number;
    readonly chromosome: Chromosome;
    readonly fitness: number;
    readonly shapes: number[][];
    readonly file: string;
  }[];
}

const frontFile = (m: { readonly phase: number; readonly index: number }): string => `front-${m.phase}-${m.index}.bin`;

/** What a resume starts from. */
export interface LoadedCheckpoint {
  readonly settings: CheckpointSettings;
  readonly run: RunCheckpoint;
  readonly runLog: RunLog;
}

/** Writes bytes to `file` atomically: temp file, fsync, rename. */
export async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

/** Path of the checkpoint folder of an output folder. */
export function checkpointDir(out: string): string {
  return path.join(out, 'checkpoint');
}

/** True when the output folder holds a checkpoint. */
export function hasCheckpoint(out: string): boolean {
  return existsSync(path.join(checkpointDir(out), STATE_FILE));
}

/** A continuation state written to disk: its file and metadata. */
interface WrittenState {
  readonly file: string;
  readonly meta: PackedTrainStateMeta;
}

const CONTINUATION_FILE = /^cont-(\d+)\.bin$/;

/**
 * Saves checkpoints of one run; the best weights are rewritten only when the best model changed, and a continuation
 * state only when it is new (the run hands over the same object until its candidate trains again).
 */
export class CheckpointWriter {
  private lastBest: BestModel | null = null;
  private bestFile: string | null = null;
  private counter = 0;
  private readonly written = new Map<TrainState, WrittenState>();
  private stateCounter = 0;

  constructor(
    private readonly dir: string,
    private readonly settings: CheckpointSettings,
    restored?: {
      readonly best: BestModel | null;
      readonly file: string | null;
      readonly continuations?: readonly (Continuation & WrittenState)[];
    },
  ) {
    if (restored) {
      this.lastBest = restored.best;
      this.bestFile = restored.file;
      this.counter = restored.file ? Number(/best-(\d+)\.bin$/.exec(restored.file)?.[1] ?? 0) : 0;
      for (const c of restored.continuations ?? []) {
        this.written.set(c.state, { file: c.file, meta: c.meta });
        this.stateCounter = Math.max(this.stateCounter, Number(CONTINUATION_FILE.exec(c.file)?.[1] ?? 0));
      }
    }
  }

  async write(cp: RunCheckpoint, runLog: RunLog): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    if (cp.best !== this.lastBest) {
      if (cp.best) {
        this.counter++;
        const file = `best-${this.counter}.bin`;
        await writeAtomic(path.join(this.dir, file), new Uint8Array(packWeights(cp.best.weights.values)));
        this.bestFile = file;
      } else {
        this.bestFile = null;
      }
      this.lastBest = cp.best;
    }
    const continuations: { phase: number; index: number; file: string; meta: PackedTrainStateMeta }[] = [];
    const live = new Map<TrainState, WrittenState>();
    for (const c of cp.continuations ?? []) {
      let written = this.written.get(c.state);
      if (!written) {
        const { meta, buffer } = packTrainState(c.state);
        const file = `cont-${++this.stateCounter}.bin`;
        await writeAtomic(path.join(this.dir, file), new Uint8Array(buffer));
        written = { file, meta };
      }
      live.set(c.state, written);
      continuations.push({ phase: c.phase, index: c.index, ...written });
    }
    // A front member's weights never change while it is on the front: each is written once, when it joins.
    const front = cp.front ?? [];
    for (const m of front) {
      const file = frontFile(m);
      if (!existsSync(path.join(this.dir, file)))
        await writeAtomic(path.join(this.dir, file), new Uint8Array(packWeights(m.weights.values)));
    }
    const state: StateFile = {
      format: FORMAT,
      version: 1,
      settings: this.settings,
      engine: cp.engine,
      runLog,
      best:
        cp.best && this.bestFile
          ? {
              chromosome: cp.best.chromosome,
              fitness: cp.best.fitness,
              shapes: cp.best.weights.shapes,
              file: this.bestFile,
            }
          : null,
      ...(continuations.length > 0 ? { continuations } : {}),
      ...(cp.front
        ? {
            front: front.map((m) => ({
              phase: m.phase,
              index: m.index,
              chromosome: m.chromosome,
              fitness: m.fitness,
              shapes: m.weights.shapes,
              file: frontFile(m),
            })),
          }
        : {}),
    };
    await writeAtomic(path.join(this.dir, STATE_FILE), JSON.stringify(state));
    this.written.clear();
    for (const [k, v] of live) this.written.set(k, v);
    // Files no longer referenced once state.json is renamed: earlier bests, dropped continuation states, members that left the front.
    const kept = new Set([...[...live.values()].map((w) => w.file), ...front.map(frontFile)]);
    for (const name of await readdir(this.dir)) {
      const stale =
        (/^best-\d+\.bin$/.test(name) && name !== this.bestFile) ||
        ((CONTINUATION_FILE.test(name) || /^front-\d+-\d+\.bin$/.test(name)) && !kept.has(name));
      if (stale) await rm(path.join(this.dir, name), { force: true });
    }
  }

  /** The weights file state.json names, for continuing after a resume. */
  get file(): string | null {
    return this.bestFile;
  }
}

/** What resuming a CLI run needs beyond the run checkpoint: the files the writer continues from. */
export interface CheckpointFiles {
  readonly bestFile: string | null;
  readonly continuationFiles: readonly (Continuation & WrittenState)[];
}

/** Reads DIR/checkpoint; throws an Error with a one-line message when it is missing or damaged. */
export async function readCheckpoint(out: string): Promise<LoadedCheckpoint & CheckpointFiles> {
  const dir = checkpointDir(out);
  let text: string;
  try {
    text = await readFile(path.join(dir, STATE_FILE), 'utf8');
  } catch {
    throw new Error(`no checkpoint in ${dir} (nothing to resume)`);
  }
  let state: StateFile;
  try {
    state = JSON.parse(text) as StateFile;
  } catch {
    throw new Error(`${path.join(dir, STATE_FILE)} is not JSON`);
  }
  if (state?.format !== FORMAT || state.version !== 1)
    throw new Error(`${path.join(dir, STATE_FILE)} is not an evolve checkpoint (version 1)`);
  const runLog = parseRunLog(state.runLog);
  let best: BestModel | null = null;
  if (state.best) {
    const bytes = await readFile(path.join(dir, state.best.file)).catch(() => {
      throw new Error(`checkpoint weights ${path.join(dir, state.best?.file ?? '')} are missing`);
    });
    let values: Float32Array[];
    try {
      values = unpackWeights(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        state.best.shapes,
      );
    } catch {
      throw new Error(`checkpoint weights ${state.best.file} do not match their shapes`);
    }
    best = {
      chromosome: state.best.chromosome,
      fitness: state.best.fitness,
      weights: { shapes: state.best.shapes, values },
    };
  }
  const continuationFiles: (Continuation & WrittenState)[] = [];
  for (const c of state.continuations ?? []) {
    const bytes = await readFile(path.join(dir, c.file)).catch(() => {
      throw new Error(`checkpoint training state ${path.join(dir, c.file)} is missing`);
    });
    let trainState: TrainState;
    try {
      trainState = unpackTrainState(c.meta, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    } catch {
      throw new Error(`checkpoint training state ${c.file} does not match its description`);
    }
    continuationFiles.push({ phase: c.phase, index: c.index, state: trainState, file: c.file, meta: c.meta });
  }
  const continuations = continuationFiles.map(({ phase, index, state: s }) => ({ phase, index, state: s }));
  const front: FrontModel[] = [];
  for (const m of state.front ?? []) {
    const bytes = await readFile(path.join(dir, m.file)).catch(() => {
      throw new Error(`checkpoint weights ${path.join(dir, m.file)} of a front member are missing`);
    });
    let values: Float32Array[];
    try {
      values = unpackWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), m.shapes);
    } catch {
      throw new Error(`checkpoint weights ${m.file} do not match their shapes`);
    }
    front.push({
      phase: m.phase,
      index: m.index,
      chromosome: m.chromosome,
      fitness: m.fitness,
      weights: { shapes: m.shapes, values },
    });
  }
  const run: RunCheckpoint = {
    engine: state.engine,
    best,
    ...(continuations.length > 0 ? { continuations } : {}),
    ...(state.front ? { front } : {}),
  };
  return { settings: state.settings, run, runLog, bestFile: state.best?.file ?? null, continuationFiles };
}
