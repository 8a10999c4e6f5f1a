import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { instancesCommand } from '../../src/cli/commands/instances.js';

const FIX = fileURLToPath(new URL('../fixtures/datasets/', import.meta.url));

async function run(opts: Parameters<typeof instancesCommand>[0]) {
  let out = '';
  let err = '';
  const code = await instancesCommand(opts, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

test('instances prints a table with F2P/P2P counts', async () => {
  const { code, out, err } = await run({ dataset: `${FIX}tasks.jsonl` });
  assert.equal(code, 0);
  assert.equal(err, '');
  const lines = out.trimEnd().split('\n');
  assert.match(lines[0], /^instance_id\s+repo\s+version\s+F2P\s+P2P$/);
  assert.match(lines[1], /^getmoto__moto-101\s+getmoto\/moto\s+4\.1\s+2\s+3$/);
  assert.match(lines[2], /^python__mypy-202\s+python\/mypy\s+1\.4\s+1\s+3$/);
  assert.match(lines[3], /^getmoto__moto-303\s+getmoto\/moto\s+5\.0\s+1\s+3$/);
  assert.match(lines[4], /^3 instances from .*tasks\.jsonl \(jsonl, sha256 [0-9a-f]{12}\)$/);
});

test('instances --ids prints one id a line, with filters', async () => {
  const all = await run({ dataset: `${FIX}tasks.json`, ids: true });
  assert.equal(all.code, 0);
  assert.equal(all.out, 'getmoto__moto-101\npython__mypy-202\ngetmoto__moto-303\n');
  const some = await run({ dataset: `${FIX}tasks.jsonl`, ids: true, repo: 'getmoto/moto', regex: '30' });
  assert.equal(some.out, 'getmoto__moto-303\n');
  const picked = await run({ dataset: `${FIX}tasks.jsonl`, ids: true, instances: ['python__mypy-202'] });
  assert.equal(picked.out, 'python__mypy-202\n');
});

test('instances: errors go to stderr with file/line/field and a non-zero exit code', async () => {
  const bad = await run({ dataset: `${FIX}malformed.jsonl`, ids: true });
  assert.equal(bad.code, 2);
  assert.equal(bad.out, '');
  assert.match(bad.err, /^swegym instances: .*malformed\.jsonl:2: invalid JSON: /);

  const skipped = await run({ dataset: `${FIX}malformed.jsonl`, ids: true, skipInvalid: true });
  assert.equal(skipped.code, 3);
  assert.equal(skipped.out, 'getmoto__moto-101\ngetmoto__moto-304\n');
  assert.match(skipped.err, /invalid: .*malformed\.jsonl:3: field FAIL_TO_PASS: must be a list of test ids/);
  assert.match(skipped.err, /5 invalid records skipped\n$/);

  const unknown = await run({ dataset: `${FIX}tasks.jsonl`, instances: ['nope-1'] });
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown instance id: nope-1/);

  const missing = await run({ dataset: `${FIX}does-not-exist.jsonl` });
  assert.equal(missing.code, 2);
  assert.match(missing.err, /does-not-exist\.jsonl: no such file/);
});

test('instances --json prints the source, per-task counts and errors', async () => {
  const { code, out } = await run({ dataset: `${FIX}malformed.jsonl`, json: true, skipInvalid: true });
  assert.equal(code, 3);
  const doc = JSON.parse(out) as { source: { kind: string; sha256: string }; tasks: Array<{ instance_id: string; FAIL_TO_PASS: number }>; errors: Array<{ line: number; field: string | null }> };
  assert.equal(doc.source.kind, 'jsonl');
  assert.deepEqual(doc.tasks.map((t) => [t.instance_id, t.FAIL_TO_PASS]), [['getmoto__moto-101', 2], ['getmoto__moto-304', 1]]);
  assert.deepEqual(doc.errors.map((e) => e.line), [2, 3, 4, 6, 7]);
});
