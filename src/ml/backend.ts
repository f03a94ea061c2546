/** Backend choice: hardware WebGPU, then hardware WebGL, then wasm, then cpu; software GPU emulation ranks below wasm. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './kernels';
import { setSimdKernelBinaries, type SimdKernelBinaries } from './kernels/simd';
import { registerThreadedWasm, wasmThreadCount, type ThreadedWasmHost } from './wasm-threads';

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Which backend trains, and why; shown in the UI. */
export interface BackendChoice {
  readonly name: BackendName;
  readonly reason: string;
  /** True when the GPU API is emulated on the CPU (SwiftShader, llvmpipe). */
  readonly software: boolean;
  /** wasm only: XNNPACK threads the backend runs (1 = single-threaded build). */
  readonly threads?: number;
}

/** What a probe of one GPU API found. */
interface Probe {
  readonly available: boolean;
  readonly software: boolean;
  readonly detail: string;
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** True for a backend name we know. */
export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKENDS as readonly string[]).includes(value);
}

async function probeWebGpu(): Promise<Probe> {
  const gpu = (globalThis.navigator as (Navigator & { gpu?: GPU }) | undefined)?.gpu;
  if (!gpu) return { available: false, software: false, detail: 'no WebGPU API' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { available: false, software: false, detail: 'no WebGPU adapter' };
    const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    const label = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
    const software = info.isFallbackAdapter === true || SOFTWARE_RENDERER.test(label);
    return { available: true, software, detail: label || 'unnamed adapter' };
  } catch (e) {
    return { available: false, software: false, detail: `WebGPU adapter request failed: ${String(e)}` };
  }
}

function probeWebGl(): Probe {
  if (typeof OffscreenCanvas === 'undefined')
    return { available: false, software: false, detail: 'no OffscreenCanvas' };
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return { available: false, software: false, detail: 'no WebGL2 context' };
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return { available: true, software: SOFTWARE_RENDERER.test(renderer), detail: renderer };
  } catch (e) {
    return { available: false, software: false, detail: `WebGL failed: ${String(e)}` };
  }
}

/** Where the wasm binaries are served from: the app's own assets, never a CDN. */
export type WasmPaths = Record<string, string> | string;

/** What a host (the app's worker, Node) gives the wasm backend besides the binaries' paths. */
export interface WasmOptions {
  /** The threaded build's files; without them the single-threaded SIMD build runs. */
  readonly threaded?: ThreadedWasmHost;
  /** A thread count (1 = the single-threaded SIMD build), or 'auto' (the default) for defaultWasmThreads. */
  readonly threads?: number | 'auto';
  /** Evolab's compiled SIMD kernels (src/ml/kernels/simd.wat); without them their callers take slower paths. */
  readonly kernels?: SimdKernelBinaries;
}

let wasmConfigured = false;

/**
 * Points the wasm backend at our own binaries, picks its thread count and adds the training kernels it lacks. Call once
 * before choosing.
 */
export function configureWasm(paths: WasmPaths | undefined, options: WasmOptions = {}): void {
  if (!wasmConfigured) {
    if (paths !== undefined) setWasmPaths(paths as never);
    if (options.kernels) setSimdKernelBinaries(options.kernels);
    const host = options.threaded;
    const wanted = options.threads ?? 'auto';
    const threads = host === undefined ? 1 : wanted === 'auto' ? defaultWasmThreads(host.cores) : wanted;
    if (host !== undefined && threads > 1 && threadsPossible()) registerThreadedWasm(host, threads);
    // tfjs's own threaded loader dies in a bundled worker and is off in Node (see wasm-threads.ts): never let it run.
    else tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  wasmConfigured = true;
  registerWasmTrainingKernels();
}

/** Shared memory for wasm threads: a cross-origin isolated page or worker, or Node. */
function threadsPossible(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return isolated !== false;
}

/**
 * The thread count 'auto' picks for a machine with `cores` logical cores. On 2 cores one thread trains faster than two
 * (BENCHMARKS.md, training section): XNNPACK splits only the convolutions and element-wise ops, while the second
 * thread's spinning competes with the page, the garbage collector and our single-threaded kernels. With more cores, all
 * but one (kept for the page and the system), at most the 8 pthread workers the build starts.
 */
export function defaultWasmThreads(cores: number): number {
  return cores <= 2 ? 1 : Math.min(8, cores - 1);
}

async function trySet(name: BackendName): Promise<string | null> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name ? null : `${name} failed to initialise`;
  } catch (e) {
    return `${name} failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * Picks and initialises the training backend. `forced` (from `?backend=NAME`) wins when it initialises;
 * otherwise hardware WebGPU, hardware WebGL, wasm, cpu, with software GPU emulation below wasm.
 */
export async function chooseBackend(forced?: BackendName | null): Promise<BackendChoice> {
  const [gpu, gl] = await Promise.all([probeWebGpu(), Promise.resolve(probeWebGl())]);
  const probes: Record<BackendName, Probe> = {
    webgpu: gpu,
    webgl: gl,
    wasm: { available: true, software: false, detail: 'WebAssembly' },
    cpu: { available: true, software: false, detail: 'plain JavaScript' },
  };
  const notes: string[] = [];
  if (forced) {
    const err = probes[forced].available ? await trySet(forced) : `${forced}: ${probes[forced].detail}`;
    if (err === null) {
      watchBackend();
      return withThreads({
        name: forced,
        software: probes[forced].software,
        reason: `forced by ?backend=${forced} (${probes[forced].detail})`,
      });
    }
    notes.push(`?backend=${forced} unavailable (${err})`);
  }
  const order: BackendName[] = [];
  if (gpu.available && !gpu.software) order.push('webgpu');
  if (gl.available && !gl.software) order.push('webgl');
  order.push('wasm', 'cpu');
  if (gpu.available && gpu.software) order.push('webgpu');
  if (gl.available && gl.software) order.push('webgl');
  if (!gpu.available) notes.push(`no hardware WebGPU adapter (${gpu.detail})`);
  else if (gpu.software) notes.push(`WebGPU adapter is software emulation (${gpu.detail}), slower than wasm`);
  if (!gl.available) notes.push(`no WebGL (${gl.detail})`);
  else if (gl.software) notes.push(`WebGL is software emulation (${gl.detail}), slower than wasm`);
  for (const name of order) {
    const err = await trySet(name);
    if (err === null) {
      watchBackend();
      const why =
        name === 'webgpu' || name === 'webgl'
          ? `hardware ${name === 'webgpu' ? 'WebGPU adapter' : 'WebGL'}: ${probes[name].detail}`
          : notes.join('; ');
      return withThreads({ name, software: probes[name].software, reason: `${name}: ${why || probes[name].detail}` });
    }
    notes.push(err);
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${notes.join('; ')}`);
}

/** Adds the wasm backend's thread count to a choice, in its fields and in its reason. */
function withThreads(choice: BackendChoice): BackendChoice {
  if (choice.name !== 'wasm') return choice;
  const threads = wasmThreadCount();
  return { ...choice, threads, reason: `${choice.reason}; ${threads === 1 ? '1 thread' : `${threads} threads`}` };
}

/** Tensor and GPU memory of the current backend, for memory checks across candidates. */
export interface MemoryStats {
  readonly numTensors: number;
  /** Bytes of live tensors (tf.memory().numBytes). */
  readonly numBytes: number;
  /** GPU buffer bytes the backend holds, pooled free buffers included (WebGPU bufferManager, WebGL texture bytes). */
  readonly gpuBytesAllocated?: number;
}

/** Reads tf.memory() and, on WebGPU/WebGL, what the backend keeps allocated on the GPU. */
export function memoryStats(): MemoryStats {
  const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPUAllocated?: number };
  const name = tf.getBackend();
  let gpuBytesAllocated: number | undefined;
  if (name === 'webgpu') {
    gpuBytesAllocated = (tf.backend() as unknown as { bufferManager?: { numBytesAllocated?: number } }).bufferManager
      ?.numBytesAllocated;
  } else if (name === 'webgl') {
    gpuBytesAllocated = mem.numBytesInGPUAllocated;
  }
  return {
    numTensors: mem.numTensors,
    numBytes: mem.numBytes,
    ...(gpuBytesAllocated === undefined ? {} : { gpuBytesAllocated }),
  };
}

/**
 * The backend itself is broken, not one candidate: the wasm module trapped or aborted (out of memory among the causes),
 * so its heap may be corrupt and no later candidate can train in this worker or process. The run ends without saving
 * anything more; what was saved before stays resumable.
 */
export class BackendCrashedError extends Error {
  constructor(cause: Error) {
    super(`the ${tf.getBackend() || 'training'} backend crashed (${cause.message || cause.name})`, { cause });
    this.name = 'BackendCrashedError';
  }
}

/** A BackendCrashedError when `e` is a trap or abort of a WebAssembly module (WebAssembly.RuntimeError), else null. */
export function backendCrash(e: unknown): BackendCrashedError | null {
  if (e instanceof BackendCrashedError) return e;
  return typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError
    ? new BackendCrashedError(e)
    : null;
}

/** The first device loss or GPU error since the last check; the trainer fails the candidate with it. */
let backendFault: string | null = null;
/** Devices we destroy ourselves when re-creating the backend: their `lost` promise is no fault. */
const retiredDevices = new WeakSet<GPUDevice>();
const watchedDevices = new WeakSet<GPUDevice>();

function currentWebGpuDevice(): GPUDevice | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  return (tf.backend() as unknown as { device?: GPUDevice }).device;
}

/**
 * Listens for device loss and uncaptured errors (out-of-memory among them) of the current WebGPU device. WebGPU reports
 * them asynchronously, not as exceptions at the call, so the trainer polls `takeBackendFault()` after every batch.
 */
export function watchBackend(): void {
  const device = currentWebGpuDevice();
  if (!device || watchedDevices.has(device)) return;
  watchedDevices.add(device);
  void device.lost.then((info) => {
    if (retiredDevices.has(device)) return;
    backendFault ??= `WebGPU device lost (${info.reason}): ${info.message || 'no message'}`;
  });
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    const kind =
      error.constructor?.name === 'GPUOutOfMemoryError'
        ? 'GPU out of memory'
        : `WebGPU ${error.constructor?.name ?? 'error'}`;
    backendFault ??= `${kind}: ${error.message}`;
  });
}

/** Returns and clears the pending backend fault (device lost, out of memory), or null. */
export function takeBackendFault(): string | null {
  const fault = backendFault;
  backendFault = null;
  return fault;
}

/**
 * Drops and re-creates the current backend so that its memory pools start empty. WebGPU keeps freed buffers pooled by
 * exact size until the backend is disposed, so each candidate of a new shape would otherwise grow GPU memory. Disposing
 * WebGPUBackend destroys its pooled buffers but not its GPUDevice, so the device is destroyed here and the backend
 * factory requests a new one: a lost device is replaced too.
 */
export async function recreateBackend(): Promise<void> {
  const name = tf.getBackend();
  if (name !== 'webgpu' && name !== 'webgl') return;
  const factory = tf.findBackendFactory(name);
  if (!factory) return;
  const device = currentWebGpuDevice();
  if (device) retiredDevices.add(device);
  tf.removeBackend(name);
  device?.destroy();
  tf.registerBackend(name, factory, name === 'webgpu' ? 3 : 2);
  await tf.setBackend(name);
  await tf.ready();
  backendFault = null;
  watchBackend();
}
