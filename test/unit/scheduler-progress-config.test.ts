import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProgressLine, formatStatusLine, plainProgress, ttyStatusLine } from '../../src/core/scheduler/progress.js';
import { dockerOptionsFor, loadBatchConfig } from '../../src/core/scheduler/engines.js';
import type { SchedulerSnapshot } from '../../src/core/scheduler/types.js';

const snap = (o: Partial<SchedulerSnapshot> = {}): SchedulerSnapshot => ({
  state: 'running', total: 40, done: 10, running: 2, queued: 28, resolved: 4, infra_failures: 1, retries: 1, stalled: [], active: [],
  throughput_per_min: 2.5, eta_ms: 12 * 60_000, cost_usd: 0.5, projected_cost_usd: 2, tokens: 123_456, workers: { busy: 2, max: 2 },
  endpoints: [], containers_swept: 0, ...o,
});

test('plain progress: one line per change, no escape sequences, the figures the issue asks for', () => {
  const line = formatProgressLine(snap({ stalled: ['a.s0.a0'] }), new Date('2026-01-01T10:00:00Z'));
  assert.equal(line, '[10:00:00] running | done 10/40 running 2 queued 28 | resolved 4 | 2.5/min ETA 12m00s | tokens 123.5k $0.5000 (proj $2.0000) | infra 1 retries 1 | STALLED a.s0.a0');
  assert.doesNotMatch(line, /\x1b/);
  const lines: string[] = [];
  let cb: (s: SchedulerSnapshot) => void = () => undefined;
  const finish = plainProgress((f) => ((cb = f), () => undefined), (l) => lines.push(l), 0);
  cb(snap());
  cb(snap()); // nothing changed: no line
  cb(snap({ done: 11, queued: 27 }));
  finish(snap({ state: 'done', done: 40, queued: 0, running: 0 }));
  assert.equal(lines.length, 3);
  assert.match(lines[2]!, /\] done \| done 40\/40 running 0 queued 0/);
});

test('terminal: one status line redrawn in place, cut to the width; log lines go above it', () => {
  const writes: string[] = [];
  const st = ttyStatusLine({ write: (s) => writes.push(s), columns: 60 }, 0);
  st.update(snap());
  assert.equal(writes.length, 1);
  assert.ok(writes[0]!.startsWith('\r\x1b[2K'), 'carriage return + erase line, no newline');
  assert.ok(!writes[0]!.includes('\n'));
  assert.ok([...writes[0]!.slice(5)].length <= 59, `fits 60 columns: ${writes[0]}`);
  st.above(() => writes.push('LOG\n'));
  assert.deepEqual(writes.slice(1, 3), ['\r\x1b[2K', 'LOG\n']);
  assert.ok(writes[3]!.startsWith('\r\x1b[2K['), 'redrawn after the log line');
  st.close();
  assert.equal(writes.at(-1), '\r\x1b[2K', 'cleared at the end');
  st.update(snap());
  assert.equal(writes.at(-1), '\r\x1b[2K', 'nothing drawn after close');
  const wide = formatStatusLine(snap({ stalled: ['x'] }), 200);
  assert.match(wide, /^\[#+\.+\] 10\/40 · 2 running · 28 queued · 4 resolved · 2\.5\/min · ETA 12m00s · 123\.5k tok \$0\.50 \(proj \$2\.00\) · 1 infra · 1 STALLED$/);
  assert.match(formatStatusLine(snap({ state: 'stopping' }), 200), /^STOPPING · /);
});

test('engines come from SWEGYM_ENGINES or the config file; errors name the file and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-engines-'));
  try {
    const none = join(dir, 'none.json');
    assert.deepEqual(loadBatchConfig({ SWEGYM_CONFIG: none }).engines, [{ name: 'local' }]);
    assert.deepEqual(loadBatchConfig({ SWEGYM_CONFIG: none, SWEGYM_ENGINES: 'a=unix:///var/run/docker.sock, b=ssh://me@gpu1' }).engines, [
      { name: 'a', host: 'unix:///var/run/docker.sock' },
      { name: 'b', host: 'ssh://me@gpu1' },
    ]);
    assert.deepEqual(loadBatchConfig({ SWEGYM_CONFIG: none, SWEGYM_ENGINES: 'tcp://h:2375' }).engines, [{ name: 'engine0', host: 'tcp://h:2375' }]);
    const file = join(dir, 'swegym.config.json');
    writeFileSync(file, JSON.stringify({ engines: [{ name: 'local' }, { name: 'gpu1', host: 'ssh://me@gpu1:2222' }], image_disk_budget_gb: 50 }));
    const cfg = loadBatchConfig({ SWEGYM_CONFIG: file });
    assert.deepEqual(cfg, { engines: [{ name: 'local' }, { name: 'gpu1', host: 'ssh://me@gpu1:2222' }], image_disk_budget_gb: 50 });
    assert.deepEqual(loadBatchConfig({ SWEGYM_CONFIG: file, SWEGYM_ENGINES: 'x=tcp://h:1' }).engines, [{ name: 'x', host: 'tcp://h:1' }], 'the variable wins');
    writeFileSync(file, JSON.stringify({ engines: [{ host: 'tcp://h:1' }] }));
    assert.throws(() => loadBatchConfig({ SWEGYM_CONFIG: file }), new RegExp(`${file.replace(/[.]/g, '\\.')}:1: field engines\\[0\\]\\.name`));
    writeFileSync(file, '{ nope');
    assert.throws(() => loadBatchConfig({ SWEGYM_CONFIG: file }), /swegym\.config\.json(:1)?: not valid JSON/);
    assert.deepEqual(dockerOptionsFor('ssh://me@gpu1:2222', { HOME: '/nonexistent' }), { protocol: 'ssh', host: 'gpu1', port: 2222, username: 'me' });
    assert.deepEqual(dockerOptionsFor('unix:///run/docker.sock'), { socketPath: '/run/docker.sock' });
    assert.deepEqual(dockerOptionsFor('tcp://10.0.0.1:2376'), { host: '10.0.0.1', port: 2376, protocol: 'http' });
    assert.throws(() => dockerOptionsFor('ftp://x'), /unsupported scheme/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
