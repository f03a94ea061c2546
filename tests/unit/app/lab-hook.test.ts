/** The automation hook's event queue: what a polling tool (evolve --browser) receives of a run's events. */
import { describe, expect, it } from 'vitest';
import { HookEventQueue } from '../../../src/app/hookInstall';
import { PAPER_BEST } from '../../../src/ga/chromosome';
import type { RunEvent } from '../../../src/worker/api';

const progress = (index: number, kind: 'batch' | 'epoch', batch: number): RunEvent => ({
  type: 'progress',
  phase: 0,
  index,
  progress: { kind, epoch: 1, epochs: 1, batch, batches: 9, loss: 1, accuracy: 0.5, imagesPerSecond: 10 },
});
const started = (index: number): RunEvent => ({
  type: 'candidate-started',
  phase: 0,
  index,
  chromosome: PAPER_BEST,
  params: 5,
});
const batchOf = (e: RunEvent): string =>
  e.type === 'progress' ? `${e.index}:${e.progress.kind}${e.progress.batch}` : e.type;

describe('HookEventQueue', () => {
  it('keeps every event but the batch progress that a later progress of the same candidate replaces', () => {
    const q = new HookEventQueue();
    [
      started(0),
      progress(0, 'batch', 1),
      progress(0, 'batch', 2),
      progress(0, 'epoch', 9),
      progress(0, 'batch', 3),
      started(1),
      progress(1, 'batch', 1),
    ].forEach((e) => q.push(e));
    const { events, last } = q.take(0);
    expect(events.map(batchOf)).toEqual(['candidate-started', '0:epoch9', '0:batch3', 'candidate-started', '1:batch1']);
    expect(last).toBe(7);
  });

  it('forgets what was taken and numbers new events on', () => {
    const q = new HookEventQueue();
    q.push(started(0));
    q.push(progress(0, 'batch', 1));
    const first = q.take(0);
    expect(first.events).toHaveLength(2);
    // Asking again from the same point gives the same events; asking from `last` gives only newer ones.
    expect(q.take(0).events).toHaveLength(2);
    q.push(progress(0, 'batch', 2));
    const second = q.take(first.last);
    expect(second.events.map(batchOf)).toEqual(['0:batch2']);
    expect(second.last).toBe(3);
    expect(q.take(second.last).events).toEqual([]);
  });
});
