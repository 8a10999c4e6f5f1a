import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliProgress, bar } from '../../src/cli/shared/progress-view.js';
import { LiveLines, fit } from '../../src/cli/shared/live-lines.js';

function sink() {
  let text = '';
  return { write: (t: string) => void (text += t), get text() { return text; } };
}

test('plain mode: a long job shows its start, its steps once each and its end; an instance job only its end', () => {
  const out = sink();
  const p = cliProgress({ write: out.write, isTTY: false });
  p.start({ id: 'base', label: 'base image swegym.base:abc', kind: 'base', logFile: '/tmp/swegym-builds/base.log' });
  p.update('base', { step: 'debootstrap', n: 0, total: 2 });
  p.update('base', { step: 'debootstrap', n: 0, total: 2 });
  p.update('base', { step: 'docker import', n: 1, total: 2 });
  p.done('base', { ok: true, summary: 'built' });
  p.start({ id: 'i1', label: 'instance image a__b-1', kind: 'instance', logFile: '/tmp/swegym-builds/i1.log' });
  p.update('i1', { step: 'checkout' });
  p.done('i1', { ok: true, summary: 'built sweb.eval.x86_64.a__b-1' });
  const lines = out.text.trimEnd().split('\n');
  assert.deepEqual(lines.map((l) => l.replace(/\(\d+\.\d s\)/, '(T)')), [
    '… base image swegym.base:abc (build logs: /tmp/swegym-builds/)',
    '  base image swegym.base:abc [0/2]: debootstrap',
    '  base image swegym.base:abc [1/2]: docker import',
    '✓ base image swegym.base:abc: built (T)',
    '✓ instance image a__b-1: built sweb.eval.x86_64.a__b-1 (T)',
  ]);
});

test('a failed job prints its last lines and its log file, sanitised', () => {
  const out = sink();
  const p = cliProgress({ write: out.write, isTTY: false });
  p.start({ id: 'i', label: 'instance image x', kind: 'instance' });
  p.done('i', { ok: false, summary: 'git checkout failed', tail: ['fatal: bad object \x1b[31mdeadbeef\x1b[0m'], logFile: '/tmp/l/i.log' });
  assert.match(out.text, /✗ instance image x: git checkout failed/);
  assert.match(out.text, /    fatal: bad object deadbeef\n/);
  assert.match(out.text, /    full log: \/tmp\/l\/i\.log/);
  assert.ok(!out.text.includes('\x1b'));
});

test('terminal mode: live lines are redrawn in place and a finished job leaves one permanent line', () => {
  const out = sink();
  const live = new LiveLines(out.write, () => 80, 0);
  const p = cliProgress({ write: out.write, isTTY: true, live });
  p.start({ id: 'a', label: 'env layer e1', kind: 'env' });
  p.start({ id: 'b', label: 'instance image i1', kind: 'instance' });
  p.update('b', { step: 'checkout', n: 1, total: 3 });
  assert.match(out.text, /… instance image i1 \[#####\.+\] 1\/3: checkout {2}\d/);
  p.done('a', { ok: true, summary: 'built' });
  live.close();
  // The cursor moves up over the block (2 lines live) and clears before the permanent line is printed.
  assert.ok(out.text.includes('\x1b[1A\x1b[J'));
  assert.match(out.text, /✓ env layer e1: built \(\d+\.\d s\)\n/);
});

test('bar and fit', () => {
  assert.equal(bar(2, 4, 8), '[####....] 2/4');
  assert.equal(bar(0, 0, 4), '[....] 0/0');
  const long = `${'x'.repeat(100)} 12.3 s`;
  const cut = fit(long, 40);
  assert.equal([...cut].length, 40);
  assert.ok(cut.endsWith('12.3 s'));
});
