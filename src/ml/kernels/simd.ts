/** Evolab's SIMD kernels (simd.wat) bound to the wasm backend's own memory. */
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';

/** The compiled kernels: for tfjs's single-threaded build (plain memory) and its threaded build (shared memory). */
export interface SimdKernelBinaries {
  readonly plain: Uint8Array<ArrayBuffer>;
  readonly shared: Uint8Array<ArrayBuffer>;
}

/** The exported functions of simd.wat; every address is a byte offset in tfjs's memory. */
export interface SimdKernels {
  maxpool_grad_2x2(x: number, dy: number, dx: number, rows: number, ow: number, c: number): void;
  colsum(x: number, rows: number, c: number, acc: number): void;
  colsum_dot(x: number, y: number, rows: number, c: number, acc1: number, acc2: number): void;
  channel_affine(x: number, rows: number, c: number, p: number, out: number): void;
  channel_affine2(x: number, y: number, rows: number, c: number, p: number, out: number): void;
}

/** The parts of tfjs's BackendWasm (and its Emscripten module) the kernels use. */
interface WasmBackendInternals {
  wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
}

let binaries: SimdKernelBinaries | null = null;
const modules = new Map<'plain' | 'shared', WebAssembly.Module | null>();
const instances = new WeakMap<WebAssembly.Memory, SimdKernels>();

/** Supplies the compiled kernels; without them every kernel takes its fallback path. */
export function setSimdKernelBinaries(b: SimdKernelBinaries): void {
  binaries = b;
  modules.clear();
}

function memoryOf(backend: KernelBackend): WebAssembly.Memory | null {
  const wasm = (backend as unknown as WasmBackendInternals).wasm;
  return wasm.wasmMemory ?? wasm.asm?.memory ?? null;
}

function compiled(kind: 'plain' | 'shared'): WebAssembly.Module | null {
  if (!modules.has(kind)) {
    const bytes = binaries?.[kind];
    // A browser without wasm SIMD runs tfjs's plain build: the kernels cannot load there, the fallbacks run.
    modules.set(kind, bytes && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null);
  }
  return modules.get(kind) ?? null;
}

/** The kernels bound to this backend's memory, or null when they are not available (the caller falls back). */
export function simdKernels(backend: KernelBackend): SimdKernels | null {
  const memory = memoryOf(backend);
  if (memory === null) return null;
  let k = instances.get(memory);
  if (k === undefined) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const module = compiled(shared ? 'shared' : 'plain');
    if (module === null) return null;
    k = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels;
    instances.set(memory, k);
  }
  return k;
}

/** Byte address of a tensor's data in the wasm backend's memory. */
export function addressOf(backend: KernelBackend, info: TensorInfo): number {
  return (backend as unknown as WasmBackendInternals).dataIdMap.get(info.dataId).memoryOffset;
}

/** A view of the backend's current memory (a new view each call: the memory may have grown). */
export function heapBuffer(backend: KernelBackend): ArrayBufferLike {
  const memory = memoryOf(backend);
  if (memory === null) throw new Error('wasm backend memory not found');
  return memory.buffer;
}
