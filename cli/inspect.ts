/**
 * `inspect FILE [--json]`: loads a FER2013 CSV (.csv or .csv.gz, or the CSV inside a .tar.gz, .tar or .zip) with the app's own src/data loader and prints a summary,
 * or with --json exactly one JSON object. Exit 0 when the file is usable, 1 when it is rejected, 2 on a usage error.
 */
import { createReadStream, statSync } from 'node:fs';
import { CLASS_NAMES, USAGE_NAMES } from '../src/data/dataset';
import { duration } from '../src/experiment/format';
import { parseFer2013, type ParseResult } from '../src/data/fer2013';
import { nodeInflate } from './inflate';
import type { LoadReport } from '../src/data/loadReport';

const USAGE_TEXT =
  'usage: inspect FILE [--json]   (FILE is a FER2013 .csv or .csv.gz, or a .tar.gz, .tar or .zip holding it)';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

/** Runs the command and returns its exit code; never throws. */
async function main(argv: readonly string[], io: Io): Promise<number> {
  let json = false;
  const files: string[] = [];
  for (const arg of argv) {
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') {
      io.out(USAGE_TEXT);
      return 0;
    } else if (arg.startsWith('-') && arg !== '-') {
      io.err(`inspect: unknown option ${arg}\n${USAGE_TEXT}`);
      return 2;
    } else files.push(arg);
  }
  const file = files[0];
  if (file === undefined || files.length > 1) {
    io.err(
      file === undefined
        ? `inspect: no file given\n${USAGE_TEXT}`
        : `inspect: give one file, not ${files.length}\n${USAGE_TEXT}`,
    );
    return 2;
  }
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) {
      io.err(`inspect: ${file} is not a file`);
      return 2;
    }
    size = st.size;
  } catch {
    io.err(`inspect: ${file}: file not found`);
    return 2;
  }

  const started = performance.now();
  const result = await parseFer2013(createReadStream(file, { highWaterMark: 1 << 20 }), {
    totalBytes: size,
    inflate: nodeInflate,
  });
  const seconds = (performance.now() - started) / 1000;
  if (json) {
    io.out(JSON.stringify(toJson(result)));
    return result.ok ? 0 : 1;
  }
  if (!result.ok) {
    io.err(`inspect: ${file} rejected: ${result.error}`);
    return 1;
  }
  for (const line of summary(file, size, seconds, result.report)) io.out(line);
  return 0;
}

function toJson(result: ParseResult): Record<string, unknown> {
  const report = result.ok ? result.report : result.report;
  const kpuc = report?.keptPerUsageClass ?? [];
  const sum = (xs: readonly number[] | undefined): number => (xs ?? []).reduce((a, b) => a + b, 0);
  return {
    ok: result.ok,
    archive: report?.archive ?? null,
    rows: report?.rows ?? 0,
    kept: report?.kept ?? 0,
    duplicates: report?.duplicates.rows ?? 0,
    perClass: CLASS_NAMES.map((_, c) => kpuc.reduce((a, row) => a + (row[c] ?? 0), 0)),
    perUsage: Object.fromEntries(USAGE_NAMES.map((name, u) => [name, sum(kpuc[u])])),
    badCount: report?.badCount ?? 0,
    badLines: (report?.badLines ?? []).map(({ line, reason }) => ({ line, reason })),
    error: result.ok ? null : result.error,
  };
}

function summary(file: string, size: number, seconds: number, r: LoadReport): string[] {
  const n = (x: number): string => x.toLocaleString('en-US');
  const mb = size / 1e6;
  const csvMb = r.csvBytes / 1e6;
  const lines = [
    `${file}: ${mb.toFixed(1)} MB${r.archive ? ` ${r.gzip ? 'tar.gz' : r.archive.format}, member ${r.archive.member} (${csvMb.toFixed(1)} MB CSV)` : r.gzip ? ` gzip (${csvMb.toFixed(1)} MB CSV)` : ' CSV'}, read in ${duration(seconds)} (${(csvMb / seconds).toFixed(0)} MB/s of CSV)`,
    `columns:    ${r.columns.join(', ')}${r.extraColumns.length ? `  (ignored: ${r.extraColumns.join(', ')})` : ''}`,
    `rows:       ${n(r.rows)} valid, ${n(r.badCount)} skipped`,
    `duplicates: ${n(r.duplicates.rows)} rows repeat an earlier image${r.deduplicated ? ' (removed)' : ''}; ${n(r.duplicates.groups)} images repeat, ${n(r.duplicates.labelConflicts)} with disagreeing labels, ${n(r.duplicates.crossUsage)} across Usage values`,
    `kept:       ${n(r.kept)} distinct images${r.usageSource === 'random' ? ' (no Usage column: split 80/10/10 at random, seed 0)' : ''}`,
    '',
  ];
  const width = 9;
  const cell = (s: string): string => s.padStart(width);
  lines.push(`${'kept'.padEnd(12)}${CLASS_NAMES.map(cell).join('')}${cell('total')}`);
  const totals = new Array<number>(CLASS_NAMES.length + 1).fill(0);
  r.keptPerUsageClass.forEach((row, u) => {
    const all = [...row, row.reduce((a, b) => a + b, 0)];
    all.forEach((x, i) => (totals[i] = (totals[i] ?? 0) + x));
    lines.push(`${(USAGE_NAMES[u] ?? '').padEnd(12)}${all.map((x) => cell(n(x))).join('')}`);
  });
  lines.push(`${'all'.padEnd(12)}${totals.map((x) => cell(n(x))).join('')}`);
  if (r.badCount > 0) {
    const shown = r.badLines.slice(0, 10);
    lines.push('', `skipped rows (first ${shown.length} of ${n(r.badCount)}):`);
    for (const b of shown) lines.push(`  line ${b.line}: ${b.reason}`);
  }
  return lines;
}

// A closed pipe (`inspect FILE | head`) is the reader's choice, not a crash worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // main already turns every expected failure into a code; this only keeps a stack trace off the terminal.
    process.stderr.write(`inspect: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
