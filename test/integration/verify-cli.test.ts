import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCommand } from '../../src/cli/commands/verify.js';
import { validateCommand } from '../../src/cli/commands/validate.js';

// The commands write logs/run_evaluation/... under the working directory, like the harness.
const cwd = mkdtempSync(join(tmpdir(), 'verify-cli-'));
process.chdir(cwd);
test.after(() => rmSync(cwd, { recursive: true, force: true }));

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), isTTY: false }, out, err };
};

test('swegym verify --predictions gold: plain progress lines, harness summary, exit 0', async () => {
  const c = capture();
  const code = await verifyCommand({ dataset: 'samples', predictions: 'gold', instances: ['swegym-samples__ledger-8'], runId: 'cli', report: join(cwd, 'r.json') }, c.io);
  assert.equal(code, 0, c.err.join(''));
  assert.match(c.err.join(''), /^\[1\/1\] swegym-samples__ledger-8: resolved /m);
  assert.match(c.out.join(''), /Instances resolved: 1/);
  assert.deepEqual(JSON.parse(readFileSync(join(cwd, 'r.json'), 'utf8')).resolved_ids, ['swegym-samples__ledger-8']);
  assert.ok(existsSync(join(cwd, 'logs/run_evaluation/cli/gold/swegym-samples__ledger-8/report.json')));
});

test('swegym verify: bad input is exit code 2 with a clear message', async () => {
  const c = capture();
  assert.equal(await verifyCommand({ dataset: 'samples', predictions: join(cwd, 'nope.jsonl') }, c.io), 2);
  assert.match(c.err.join(''), /nope\.jsonl: cannot read/);
  const d = capture();
  assert.equal(await verifyCommand({ dataset: 'samples', predictions: 'gold', profile: 'bogus' }, d.io), 2);
  assert.match(d.err.join(''), /--profile must be one of swegym, swebench, openhands/);
});

test('swegym validate --runs 1 on one sample: gold validated, exit 0', async () => {
  const c = capture();
  const code = await validateCommand({ dataset: 'samples', instances: ['swegym-samples__durations-12'], runs: 1, out: join(cwd, 'val') }, c.io);
  assert.equal(code, 0, c.err.join('') + c.out.join(''));
  const r = JSON.parse(readFileSync(join(cwd, 'val', 'swegym-samples__durations-12.json'), 'utf8'));
  assert.equal(r.gold_validated, true);
  assert.equal(r.fail_to_pass_fail_on_base, true);
});
