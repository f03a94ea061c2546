/** Test helpers for the GA operators: scripted random draws. */
import type { RandomSource } from '../../src/ga';

export /** A RandomSource that replays an exact script of draws and fails on any other call. */
function scripted(
  script: ReadonlyArray<readonly ['next' | 'int' | 'normal', number]>,
): RandomSource & { left(): number } {
  const queue = [...script];
  const take = (kind: string): number => {
    const step = queue.shift();
    if (!step) throw new Error(`unexpected ${kind} draw: script exhausted`);
    if (step[0] !== kind) throw new Error(`expected a ${step[0]} draw, got ${kind}`);
    return step[1];
  };
  return {
    next: () => take('next'),
    normal: () => take('normal'),
    int: (lo, hi) => {
      const v = take('int');
      if (v < lo || v > hi) throw new Error(`scripted int ${v} outside [${lo}, ${hi}]`);
      return v;
    },
    left: () => queue.length,
  };
}
