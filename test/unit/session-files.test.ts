import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession, readManifest, readWinners, appendWinner, SessionWriter, MANIFEST_FORMAT } from '../../src/core/session/index.js';
import { readLiveStatus } from '../../src/core/scheduler/remote-control.js';

// The session's files are read through schemas: the manifest (typed, versioned, migrated), live.json and
// winners.jsonl. Bad files are errors naming the file and the field; older manifests are migrated, newer refused.

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'swegym-files-'));
}

const MANIFEST = {
  name: 's1',
  swegym_version: '0.1.0',
  created_at: '2026-12-01T00:00:00.000Z',
  updated_at: '2026-12-01T00:00:00.000Z',
  dataset: { ref: 'samples', instance_ids: ['a__b-1'] },
  images: {},
  agent: { kind: 'gold' },
  sampling: { samples: 1, temperatures: [0], seed: 0 },
  a_future_field: { kept: true },
};

test('a manifest without a format is migrated to the current one; unknown fields are kept; the reader is typed', () => {
  const dir = tmp();
  try {
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(MANIFEST));
    const m = readManifest(dir);
    assert.equal(m.format, MANIFEST_FORMAT);
    assert.deepEqual(m.dataset.instance_ids, ['a__b-1']);
    assert.deepEqual(m.a_future_field, { kept: true });
    // An update by this version writes the current format and keeps what it does not know.
    const w = SessionWriter.open(dir);
    w.updateManifest({});
    w.close();
    const written = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    assert.equal(written.format, MANIFEST_FORMAT);
    assert.deepEqual(written.a_future_field, { kept: true });
    assert.equal(openSession(dir).manifest().name, 's1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a manifest from a newer swegym, or with a bad field, is an error naming the file and the field', () => {
  const dir = tmp();
  try {
    const p = join(dir, 'manifest.json');
    writeFileSync(p, JSON.stringify({ ...MANIFEST, format: MANIFEST_FORMAT + 1 }));
    assert.throws(() => readManifest(dir), (e: Error) => e.message.startsWith(`${p}: field 'format'`) && /newer/.test(e.message));
    writeFileSync(p, JSON.stringify({ ...MANIFEST, format: 1, dataset: { ref: 'samples', instance_ids: 'a__b-1' } }));
    assert.throws(() => readManifest(dir), (e: Error) => e.message.startsWith(`${p}: field 'dataset.instance_ids'`));
    const { sampling: _s, ...noSampling } = MANIFEST;
    writeFileSync(p, JSON.stringify({ ...noSampling, format: 1 }));
    assert.throws(() => readManifest(dir), (e: Error) => e.message === `${p}: field 'sampling' is missing`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('live.json is validated: a wrong field is named, a good one is read', () => {
  const dir = tmp();
  try {
    const snapshot = { state: 'running', total: 2, done: 1, running: 1, queued: 0, resolved: 1, infra_failures: 0, retries: 0, stalled: [], active: [], throughput_per_min: 3, cost_usd: 0, tokens: 0, workers: { busy: 1, max: 2 }, endpoints: [], containers_swept: 0 };
    const status = { format: 1, pid: 4242, host: 'h', started_at: 'x', updated_at: 1, control: true, ended: false, snapshot };
    writeFileSync(join(dir, 'live.json'), JSON.stringify(status));
    assert.equal(readLiveStatus(dir).status?.snapshot.done, 1);
    writeFileSync(join(dir, 'live.json'), JSON.stringify({ ...status, snapshot: { ...snapshot, done: 'one' } }));
    const bad = readLiveStatus(dir);
    assert.equal(bad.status, undefined);
    assert.match(bad.error ?? '', /live\.json: not a live status: field 'snapshot\.done'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('winners.jsonl: the last mark per instance wins; torn or invalid lines are skipped', () => {
  const dir = tmp();
  try {
    appendWinner(dir, 'a__b-1', 'r1');
    appendWinner(dir, 'a__b-2', 'r7');
    appendFileSync(join(dir, 'winners.jsonl'), '{"instance_id":"a__b-1","rollout_id":""}\n{"instance_id":"a__b-2","rol');
    appendFileSync(join(dir, 'winners.jsonl'), '\n');
    appendWinner(dir, 'a__b-1', 'r3');
    assert.deepEqual([...readWinners(dir)].sort(), [['a__b-1', 'r3'], ['a__b-2', 'r7']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
