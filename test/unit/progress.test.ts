import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fanOutProgress, lineProgress, progressEvents, type ProgressEvent } from '../../src/core/util/progress.js';

test('progressEvents turns each call into a timestamped event, in order', () => {
  const got: ProgressEvent[] = [];
  let t = 100;
  const p = progressEvents((e) => got.push(e), () => t++);
  p.start({ id: 'image:a', label: 'instance image a', kind: 'instance', total: 3 });
  p.update('image:a', { step: 'checkout', n: 1 });
  p.note('rebuilding a: its env spec changed');
  p.done('image:a', { ok: false, summary: 'step failed', tail: ['x'], logFile: '/tmp/l' });
  assert.deepEqual(got, [
    { type: 'start', at: 100, id: 'image:a', label: 'instance image a', kind: 'instance', total: 3 },
    { type: 'update', at: 101, id: 'image:a', step: 'checkout', n: 1 },
    { type: 'note', at: 102, text: 'rebuilding a: its env spec changed' },
    { type: 'done', at: 103, id: 'image:a', ok: false, summary: 'step failed', tail: ['x'], logFile: '/tmp/l' },
  ]);
});

test('lineProgress: one line per step change, n of m, tail and log path only on failure', () => {
  const lines: string[] = [];
  const p = lineProgress((l) => lines.push(l));
  p.start({ id: 'j', label: 'env layer', kind: 'env', total: 2 });
  p.update('j', { step: 'env_setup[0]', n: 0 });
  p.update('j', { step: 'env_setup[0]', n: 0 });
  p.update('j', { step: 'env_setup[1]', n: 1 });
  p.done('j', { ok: true, summary: 'built', logFile: '/tmp/ok.log', tail: ['hidden'] });
  p.start({ id: 'k', label: 'instance image b', kind: 'instance' });
  p.done('k', { ok: false, summary: 'exit 1', logFile: '/tmp/k.log', tail: ['last line'] });
  assert.equal(lines.length, 8);
  assert.equal(lines[1], '[swegym] env layer [0/2]: env_setup[0]');
  assert.equal(lines[2], '[swegym] env layer [1/2]: env_setup[1]');
  assert.match(lines[3]!, /^\[swegym\] env layer: done - built \(\d+\.\d s\)$/);
  assert.ok(!lines.some((l) => l.includes('hidden')));
  assert.match(lines[5]!, /instance image b: FAILED - exit 1/);
  assert.deepEqual(lines.slice(6), ['  last line', '  full log: /tmp/k.log']);
});

test('fanOutProgress reaches every sink and skips undefined ones', () => {
  const a: ProgressEvent[] = [];
  const b: ProgressEvent[] = [];
  const p = fanOutProgress(progressEvents((e) => a.push(e)), undefined, progressEvents((e) => b.push(e)));
  p.note('x');
  assert.equal(a.length, 1);
  assert.equal(b.length, 1);
});
