/**
 * A copy of the parsed FER2013 file a run trains on, kept in the browser's Origin Private File System so that the run
 * resumes after a reload or crash without asking for the file (full FER2013 is ~83 MB of images). One copy is kept:
 * the file of the latest run on a file. Written and read with the worker's synchronous access handles.
 */
import type { Dataset } from '../data/dataset';
import type { LoadReport } from '../data/loadReport';

/** The file's format; a copy of another version is not read. */
const MAGIC = 'evolab-dataset-1';
/** One file, so that a new copy replaces the old one; its header names the data's SHA-256. */
const FILE = 'evolab-dataset.bin';
const PIXELS = 48 * 48;
/** Room left to other storage (the saved runs, their models) after the copy is written. */
const HEADROOM = 16 * 1024 * 1024;

/** A worker's synchronous access handle (declared here: the DOM lib of the test pages that bundle the worker lacks it). */
interface SyncAccessHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

const syncAccess = (handle: FileSystemFileHandle): Promise<SyncAccessHandle> =>
  (handle as unknown as { createSyncAccessHandle(): Promise<SyncAccessHandle> }).createSyncAccessHandle();

interface Header {
  readonly magic: string;
  readonly sha256: string;
  readonly name: string;
  readonly count: number;
  readonly report: LoadReport | null;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

/** The kept copy; every method answers (a reason, null) rather than throwing when the browser refuses. */
export class DatasetCache {
  /** Set by the `?simulate=noopfs` test hook: the browser refuses the space. */
  refuse = false;

  /** Keeps a copy of `data` under its SHA-256, replacing any other; null once kept, else why it was not. */
  async keep(data: Dataset, sha256: string, report: LoadReport | null): Promise<string | null> {
    const bytes = data.images.byteLength + data.labels.byteLength + data.usage.byteLength;
    const refused = (why: string): string =>
      `the browser did not give the ${megabytes(bytes)} to keep a copy of ${data.name} (${why})`;
    if (this.refuse) return refused('refused by the ?simulate=noopfs test hook');
    const dir = await root();
    if (!dir) return refused('this browser has no Origin Private File System here');
    try {
      if (await this.has(sha256)) return null;
      const { quota, usage } = await navigator.storage.estimate();
      const previous = await dir.getFileHandle(FILE).then(
        async (h) => (await h.getFile()).size,
        () => 0,
      );
      if (quota !== undefined && usage !== undefined && usage - previous + bytes + HEADROOM > quota) {
        return refused(
          `${megabytes(Math.max(0, quota - usage + previous))} free of the ${megabytes(quota)} it allows this lab`,
        );
      }
      const handle = await dir.getFileHandle(FILE, { create: true });
      const access = await syncAccess(handle);
      try {
        const header: Header = { magic: MAGIC, sha256, name: data.name, count: data.count, report };
        const head = new TextEncoder().encode(JSON.stringify(header));
        const size = new Uint32Array([head.byteLength]);
        access.truncate(0);
        let at = 0;
        for (const part of [new Uint8Array(size.buffer), head, data.images, data.labels, data.usage]) {
          const written = access.write(part, { at });
          if (written !== part.byteLength) throw new Error(`wrote ${written} of ${part.byteLength} bytes`);
          at += written;
        }
        access.flush();
      } finally {
        access.close();
      }
      return null;
    } catch (e) {
      // A half-written copy must not be read back.
      await dir.removeEntry(FILE).catch(() => undefined);
      return refused(errorText(e));
    }
  }

  /** True when a copy of the data with this SHA-256 is kept. */
  async has(sha256: string): Promise<boolean> {
    const dir = this.refuse ? null : await root();
    if (!dir) return false;
    try {
      const file = await (await dir.getFileHandle(FILE)).getFile();
      const length = new Uint32Array(await file.slice(0, 4).arrayBuffer())[0] ?? 0;
      const header = JSON.parse(await file.slice(4, 4 + length).text()) as Header;
      return (
        header.magic === MAGIC && header.sha256 === sha256 && file.size === 4 + length + header.count * (PIXELS + 2)
      );
    } catch {
      // No copy, a damaged one, or another tab writing it right now.
      return false;
    }
  }

  /** The kept copy of the data with this SHA-256 and its loader report, or null when there is none (or it is damaged). */
  async load(sha256: string): Promise<{ data: Dataset; report: LoadReport | null } | null> {
    const dir = this.refuse ? null : await root();
    if (!dir) return null;
    let access: SyncAccessHandle;
    try {
      access = await syncAccess(await dir.getFileHandle(FILE));
    } catch {
      return null;
    }
    try {
      const read = (at: number, length: number): Uint8Array => {
        const out = new Uint8Array(length);
        if (access.read(out, { at }) !== length) throw new Error('the copy is shorter than its header says');
        return out;
      };
      const headBytes = new Uint32Array(read(0, 4).buffer)[0] ?? 0;
      const header = JSON.parse(new TextDecoder().decode(read(4, headBytes))) as Header;
      if (header.magic !== MAGIC || header.sha256 !== sha256) return null;
      const n = header.count;
      let at = 4 + headBytes;
      const images = read(at, n * PIXELS);
      at += n * PIXELS;
      const labels = read(at, n);
      const usage = read(at + n, n);
      if (access.getSize() !== at + 2 * n) return null;
      return { data: { name: header.name, synthetic: false, count: n, images, labels, usage }, report: header.report };
    } catch {
      return null;
    } finally {
      access.close();
    }
  }
}

async function root(): Promise<FileSystemDirectoryHandle | null> {
  if (typeof navigator === 'undefined' || typeof navigator.storage?.getDirectory !== 'function') return null;
  return navigator.storage.getDirectory().catch(() => null);
}
