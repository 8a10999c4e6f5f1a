import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';

// Bad input through the real binary: a clear error naming the file, the line and the field, exit 2, no stack trace,
// and nothing written or lost. (None of these cases reaches Docker: they must fail before anything runs.)

const IMPORT_FIXTURE = fileURLToPath(new URL('../fixtures/import/swegym-sampled-trajectories.jsonl', import.meta.url));
let dir: string;
let sessions: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swegym-e2e-badinput-'));
  sessions = join(dir, 'sessions');
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const swegym = (args: string[]) => runCli(args);

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function assertBadInput(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp) {
  assert.equal(r.code, 2, `exit code: ${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at \S+ \(/, 'no stack trace');
}

function snapshot(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      const q = join(p, e.name);
      if (e.isDirectory()) walk(q);
      else out[q] = readFileSync(q, 'utf8');
    }
  };
  walk(d);
  return out;
}

test('batch --agent llm with a bad agent config: exit 2 naming file, line and field; no session created', async () => {
  const cfg = file('agent.json', '{\n  "model": "m",\n  "temperature": "hot"\n}\n');
  const r = await swegym(['batch', '--agent', 'llm', '--config', cfg, '--base-url', 'http://127.0.0.1:9/v1', '--sessions-dir', sessions, '--session', 'b1']);
  assertBadInput(r, new RegExp(`${cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: field temperature:`));
  assert.equal(existsSync(join(sessions, 'b1')), false, 'no session for a run that never started');

  const secret = file('agent-key.json', '{\n  "model": "m",\n  "api_key": "sk-not-here-0123456789"\n}\n');
  const r2 = await swegym(['batch', '--agent', 'llm', '--config', secret, '--sessions-dir', sessions, '--session', 'b2']);
  assertBadInput(r2, /agent-key\.json:3: field api_key: unknown field \(keys are never read from files/);
  assert.equal(r2.stderr.includes('sk-not-here'), false, 'the key value is not echoed');
  assert.equal(existsSync(join(sessions, 'b2')), false);
});

test('batch with a malformed dataset or env spec: exit 2 naming the file and line', async () => {
  const data = file('data.jsonl', '{"instance_id": "a__b-1", "repo": "a/b"}\nnot json\n');
  assertBadInput(await swegym(['batch', '--dataset', data, '--sessions-dir', sessions, '--session', 'b3']), /swegym batch: .*data\.jsonl:2: invalid JSON/);
  const spec = file('spec.json', '{\n  "source": "x",\n  "repos": {\n');
  assertBadInput(await swegym(['batch', '--env-spec', spec, '--sessions-dir', sessions, '--session', 'b4']), /swegym batch: .*spec\.json:4: invalid JSON: .*line 4/);
  assert.equal(existsSync(join(sessions, 'b3')) || existsSync(join(sessions, 'b4')), false);
});

test('score / select with a bad verifier config or name: exit 2 naming file, line and field; the session is untouched', async () => {
  const imp = await swegym(['import', IMPORT_FIXTURE, '--format', 'swegym', '--session', 'imp', '--sessions-dir', sessions]);
  assert.equal(imp.code, 0, imp.stderr);
  const before = snapshot(join(sessions, 'imp'));
  const bad = file('verifier.json', '{\n  "llm": {\n    "baseURL": "not a url",\n    "model": "m"\n  }\n}\n');
  assertBadInput(await swegym(['score', 'imp', '--sessions-dir', sessions, '--verifier', 'llm', '--config', bad]), /swegym score: .*verifier\.json:3: field llm\.baseURL: /);
  const weights = file('hybrid.json', '{\n  "hybrid": {\n    "weights": {\n      "llm": -1\n    }\n  }\n}\n');
  assertBadInput(await swegym(['score', 'imp', '--sessions-dir', sessions, '--verifier', 'hybrid', '--config', weights]), /hybrid\.json:4: field hybrid\.weights\.llm: /);
  const broken = file('broken.json', '{ "llm": ');
  assertBadInput(await swegym(['score', 'imp', '--sessions-dir', sessions, '--verifier', 'llm', '--config', broken]), /broken\.json: not valid JSON/);
  assertBadInput(await swegym(['score', 'imp', '--sessions-dir', sessions, '--verifier', 'nope']), /unknown verifier 'nope'/);
  const out = join(dir, 'preds.jsonl');
  assertBadInput(await swegym(['select', 'imp', '--sessions-dir', sessions, '--verifier', 'llm', '--config', bad, '--out', out]), /swegym select: .*verifier\.json:3: field llm\.baseURL: /);
  assert.equal(existsSync(out), false);
  assert.deepEqual(snapshot(join(sessions, 'imp')), before, 'nothing recorded was changed or lost');
});

test('instances and import with malformed files: exit 2 naming the file and line', async () => {
  const data = file('data2.jsonl', '{"instance_id": "a__b-1", "repo": "a/b"}\n{broken\n');
  assertBadInput(await swegym(['instances', '--dataset', data]), /data2\.jsonl:2: invalid JSON/);
  const traj = file('traj.jsonl', '{"instance_id": "x"}\n{bad\n');
  assertBadInput(await swegym(['import', traj, '--format', 'swegym', '--sessions-dir', sessions, '--session', 'i2']), /traj\.jsonl:2: field '\(line\)' is not valid JSON/);
  assert.equal(existsSync(join(sessions, 'i2')), false);
});
