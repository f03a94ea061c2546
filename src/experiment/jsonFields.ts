/** Typed readers for checking parsed JSON field by field (run logs, final-training results). */

/** Readers that return a field's value typed, or call `fail(path, what)` (which throws) naming the first bad field. */
export interface JsonFields {
  obj(v: unknown, path: string): Record<string, unknown>;
  arr(v: unknown, path: string): unknown[];
  num(v: unknown, path: string): number;
  numOrNull(v: unknown, path: string): number | null;
  int(v: unknown, path: string): number;
  str(v: unknown, path: string): string;
  bool(v: unknown, path: string): boolean;
  date(v: unknown, path: string): string;
}

/** The readers, each failing through `fail`, so every parser keeps its own error type and message prefix. */
export function jsonFields(fail: (path: string, what: string) => never): JsonFields {
  return {
    obj: (v, path) =>
      typeof v === 'object' && v !== null && !Array.isArray(v)
        ? (v as Record<string, unknown>)
        : fail(path, 'must be an object'),
    arr: (v, path) => (Array.isArray(v) ? v : fail(path, 'must be an array')),
    num: (v, path) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(path, 'must be a number')),
    numOrNull: (v, path) =>
      v === null || (typeof v === 'number' && Number.isFinite(v))
        ? (v as number | null)
        : fail(path, 'must be a number or null'),
    int: (v, path) =>
      Number.isInteger(v) && (v as number) >= 0 ? (v as number) : fail(path, 'must be a non-negative integer'),
    str: (v, path) => (typeof v === 'string' ? v : fail(path, 'must be a string')),
    bool: (v, path) => (typeof v === 'boolean' ? v : fail(path, 'must be true or false')),
    date: (v, path) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : fail(path, 'must be an ISO date')),
  };
}
