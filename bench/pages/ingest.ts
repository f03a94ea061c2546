/** Page side of the ingest benchmark: hands the chosen File to a fresh Web Worker per measurement and returns its figures. */
import type { IngestMode, IngestResult } from './ingest-worker';

declare global {
  interface Window {
    /** Measures one parse of the file in the "CSV file" input, in a new worker; set by this page for bench/ingest.ts. */
    ingestBench: (mode: IngestMode) => Promise<IngestResult>;
  }
}

window.ingestBench = (mode: IngestMode): Promise<IngestResult> => {
  const input = document.getElementById('file') as HTMLInputElement;
  const file = input.files?.[0];
  if (!file) return Promise.reject(new Error('choose a file first'));
  // A new worker per measurement, so each one starts from an empty heap and its peak is its own.
  const worker = new Worker(new URL('./ingest-worker.ts', import.meta.url), { type: 'module', name: `ingest-${mode}` });
  return new Promise<IngestResult>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<IngestResult | { error: string }>) => {
      worker.terminate();
      const data = e.data;
      if ('error' in data) reject(new Error(data.error));
      else {
        (document.getElementById('out') as HTMLElement).textContent += `${JSON.stringify(data)}\n`;
        resolve(data);
      }
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message));
    };
    // A File is passed by reference (structured clone of a handle), not by copying its bytes.
    worker.postMessage({ mode, file });
  });
};
