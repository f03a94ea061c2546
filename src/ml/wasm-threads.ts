/**
 * The threaded (pthreads) build of tfjs-backend-wasm, loaded so that it works in a bundled module worker and in Node.
 *
 * Why tfjs's own loader fails here: it hands its pthread workers the threaded Emscripten factory as
 * `"var WasmBackendModuleThreadedSimd = " + factory.toString()`. Once a bundler has minified that factory, its body
 * refers to variables of the scope around it (the minifier renamed `_scriptDir` to `e` and dropped the `typeof` guard,
 * since it could see the declaration), so every pthread worker throws "e is not defined" and the backend never starts.
 * In Node tfjs refuses threads altogether. Here the pthread workers load the unmodified Emscripten script instead (a
 * URL of the app's own assets in the browser, the file in node_modules in Node), and the thread count is ours to set.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import threadedFactory from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';

/** Where a host finds the threaded build's files. */
export interface ThreadedWasmHost {
  /** The unmodified Emscripten script `tfjs-backend-wasm-threaded-simd.js` each pthread worker imports (URL or path). */
  readonly script: string;
  /** The pthread worker's entry (a URL, a blob: URL or a path); Emscripten starts one worker per thread from it. */
  readonly worker: string;
  /** The compiled-from-file threaded binary (`tfjs-backend-wasm-threaded-simd.wasm`). */
  readonly binary: () => Promise<BufferSource>;
  /** Logical cores of this machine. */
  readonly cores: number;
}

/** The threaded Emscripten module as tfjs's BackendWasm expects it. */
type ThreadedModule = ConstructorParameters<typeof BackendWasm>[0] & {
  cwrap: (name: string, ret: string | null, args: string[]) => (...a: number[]) => number;
  PThread?: { runningWorkers: unknown[]; unusedWorkers: unknown[] };
};

interface FactoryConfig {
  mainScriptUrlOrBlob: string;
  locateFile: (path: string) => string;
  instantiateWasm: (
    imports: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ) => object;
  onAbort: (what: unknown) => void;
}

// XNNPACK's pool starts 8 pthread workers (PTHREAD_POOL_SIZE of tfjs's build) and never uses more threads.
const MAX_THREADS = 8;

/**
 * Emscripten reports the core count to the C++ side, which caps the thread pool at half of it (it assumes two hardware
 * threads per core), so 2 threads can never be had on a 2-core machine. The import that reports it is found by what it
 * reads and made to report twice the count we ask for. Returns null when it cannot be found (the cap then stays).
 */
function withCoreCount(env: WebAssembly.ModuleImports, threads: number): WebAssembly.ModuleImports | null {
  const keys = Object.keys(env).filter((k) => {
    const v = env[k];
    return typeof v === 'function' && /hardwareConcurrency/.test(String(v));
  });
  if (keys.length !== 1) return null;
  return { ...env, [keys[0] as string]: () => 2 * threads };
}

/** The threaded module started with `threads` pthreads ready; rejects with Emscripten's reason when it aborts. */
function startModule(host: ThreadedWasmHost, threads: number): Promise<ThreadedModule> {
  return new Promise((resolve, reject) => {
    const config: FactoryConfig = {
      mainScriptUrlOrBlob: host.script,
      locateFile: (path) => (path.endsWith('.worker.js') ? host.worker : path),
      instantiateWasm: (imports, receive) => {
        const env = imports.env ?? {};
        const patched = withCoreCount(env, threads) ?? env;
        host
          .binary()
          .then((bytes) =>
            WebAssembly.instantiate(bytes, { ...imports, env: patched, wasi_snapshot_preview1: patched }),
          )
          .then(({ instance, module }) => receive(instance, module), reject);
        return {};
      },
      onAbort: (what) => reject(new Error(`threaded wasm backend aborted: ${String(what)}`)),
    };
    (threadedFactory as unknown as (c: FactoryConfig) => Promise<ThreadedModule>)(config).then(resolve, reject);
  });
}

/** The number of XNNPACK threads the running wasm backend uses (1 for the single-threaded build). */
export function wasmThreadCount(): number {
  if (tf.getBackend() !== 'wasm') return 0;
  const wasm = (tf.backend() as unknown as { wasm: ThreadedModule }).wasm;
  return wasm.PThread ? wasm.tfjs.getThreadsCount() : 1;
}

/** Pthread workers running (threads minus the calling one) in the wasm backend, as a check that threads really run. */
export function wasmPthreadWorkers(): number {
  if (tf.getBackend() !== 'wasm') return 0;
  return (tf.backend() as unknown as { wasm: ThreadedModule }).wasm.PThread?.runningWorkers.length ?? 0;
}

/**
 * Replaces tfjs's 'wasm' backend factory with one that starts the threaded build with `threads` (2..8) threads.
 * Call before the wasm backend is first initialised.
 */
export function registerThreadedWasm(host: ThreadedWasmHost, threads: number): void {
  const n = Math.max(2, Math.min(MAX_THREADS, Math.floor(threads)));
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      const module = await startModule(host, n);
      module.tfjs = {
        init: module.cwrap('init', null, []),
        initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: module.cwrap('get_threads_count', 'number', []),
        registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: module.cwrap('dispose_data', null, ['number']),
        dispose: module.cwrap('dispose', null, []),
      };
      setThreadsCount(n);
      return new BackendWasm(module);
    },
    2,
  );
}
