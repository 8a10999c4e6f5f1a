import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetWriteFile } from 'hyparquet-writer';
import { runCli } from '../helpers/cli.js';

// The reliability review's table of 82 bad inputs (shared/reviews/reliability-2026-12-03.md, "Bad input (82)"), as a
// set: one row per input, in the review's order, each run through the real binary (or the real Gym server, or a real
// verification in Docker) and checked for its exit code, for a message naming the file, line and field or the flag,
// and for nothing written where it must not be. Two rows are covered by tests elsewhere and only referenced (the file
// and test name are checked to exist). The figure printed at the end counts rows that passed: "bad inputs N/82".

const BIN = fileURLToPath(new URL('../../bin/swegym.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LINES = readFileSync(join(ROOT, 'samples/tasks.jsonl'), 'utf8').split('\n').filter(Boolean);
const SAMPLE = JSON.parse(LINES[0]!) as Record<string, unknown>;
const TOTAL = 82;
const passed = new Set<number>();
const referenced = new Set<number>();
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swegym-e2e-review-bad-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  const n = passed.size + referenced.size;
  console.log(`bad inputs ${n}/${TOTAL} handled (${passed.size} run here, ${referenced.size} by the referenced tests)`);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const swegym = (args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> => runCli(args, opts);

/** A fresh folder per row: its cwd and sessions dir, so that anything written where it must not be is seen. */
function rowDir(n: number): { cwd: string; sessions: string; file: (name: string, data: string | Buffer) => string } {
  const cwd = join(dir, `row${n}`);
  mkdirSync(cwd, { recursive: true });
  return { cwd, sessions: join(cwd, 'sessions'), file: (name, data) => (writeFileSync(join(cwd, name), data), join(cwd, name)) };
}

function record(patch: Record<string, unknown>): string {
  return JSON.stringify({ ...SAMPLE, ...patch });
}

/** Exit 2, the message matches, no stack trace, no escape byte, and nothing but the inputs in the row's folder. */
function assertBad(r: Run, message: RegExp, row: { cwd: string }, inputs: string[] = []): void {
  assert.equal(r.code, 2, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at \S+ \(/, 'no stack trace');
  assert.doesNotMatch(r.stderr + r.stdout, /\u001b/, 'no escape byte');
  assert.deepEqual(readdirSync(row.cwd).sort(), [...inputs].sort(), 'nothing written (no session, nothing in the working directory)');
}

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A row: its number in the review's table, the input, and the check. */
function row(n: number, input: string, check: () => Promise<void>): void {
  it(`#${n} ${input}`, async () => {
    await check();
    passed.add(n);
  });
}

/** A row covered by a test elsewhere: the test must exist (it runs in the same suite). */
function covered(n: number, input: string, file: string, title: string): void {
  it(`#${n} ${input} (covered by ${file}: "${title}")`, () => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    assert.ok(text.includes(title), `${file} has no test "${title}"`);
    referenced.add(n);
  });
}

const batchArgs = (sessions: string, ...extra: string[]) => ['batch', '--agent', 'gold', '--sessions-dir', sessions, '--session', 's', ...extra];

describe('datasets', { concurrency: 4 }, () => {
  row(1, 'JSONL with a truncated line 3', async () => {
    const r = rowDir(1);
    const f = r.file('truncated.jsonl', `${LINES[0]}\n${LINES[1]}\n${LINES[2]!.slice(0, 300)}\n`);
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}:3: invalid JSON`), r, ['truncated.jsonl']);
  });
  row(2, 'FAIL_TO_PASS: 42', async () => {
    const r = rowDir(2);
    const f = r.file('wrongtype.jsonl', `${LINES[1]}\n${record({ instance_id: 'foo__bar-2', FAIL_TO_PASS: 42 })}\n`);
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}:2: field FAIL_TO_PASS:`), r, ['wrongtype.jsonl']);
  });
  row(3, 'missing repo', async () => {
    const r = rowDir(3);
    const { repo: _repo, ...rest } = SAMPLE;
    const f = r.file('missing.jsonl', `${JSON.stringify({ ...rest, instance_id: 'foo__bar-1' })}\n`);
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}:1: field repo: is missing`), r, ['missing.jsonl']);
  });
  row(4, '50 MB valid line: loads', async () => {
    const r = rowDir(4);
    const f = r.file('big.jsonl', `${record({ instance_id: 'big__line-1', problem_statement: 'x'.repeat(50 * 1024 * 1024) })}\n`);
    const out = await swegym(['instances', '--dataset', f, '--ids'], { cwd: r.cwd });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'big__line-1\n');
  });
  row(5, '50 MB invalid line', async () => {
    const r = rowDir(5);
    const f = r.file('nonjson50.jsonl', `${LINES[0]}\n{"instance_id": "x__y-1", "problem_statement": "${'x'.repeat(50 * 1024 * 1024)}\n`);
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}:2: invalid JSON`), r, ['nonjson50.jsonl']);
  });
  row(6, 'invalid UTF-8 bytes in problem_statement', async () => {
    const r = rowDir(6);
    const line = Buffer.from(record({ instance_id: 'utf__bad-1', problem_statement: 'cafQQMARKQQ' }));
    const at = line.indexOf('QQ');
    line[at] = 0xc3;
    line[at + 1] = 0x28; // 0xC3 then a byte that cannot continue it (same length: the JSON stays valid)
    const f = r.file('badutf8.jsonl', Buffer.concat([Buffer.from(`${LINES[0]}\n`), line, Buffer.from('\n')]));
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}:2: field problem_statement: invalid UTF-8`), r, ['badutf8.jsonl']);
  });
  row(7, 'duplicate id', async () => {
    const r = rowDir(7);
    const f = r.file('dupid.jsonl', `${LINES[0]}\n${LINES[0]}\n`);
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}:2: field instance_id: duplicate instance_id .*first seen at line 1`), r, ['dupid.jsonl']);
  });
  row(8, 'empty file', async () => {
    const r = rowDir(8);
    const f = r.file('empty.jsonl', '');
    // Listing an empty dataset is not an error (0 instances); running a batch of nothing is.
    const list = await swegym(['instances', '--dataset', f, '--ids'], { cwd: r.cwd });
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, '');
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`no instances selected from ${esc(f)}`), r, ['empty.jsonl']);
  });
  row(9, 'truncated .json', async () => {
    const r = rowDir(9);
    const f = r.file('notjson.json', `[${LINES[0]!.slice(0, 200)}`);
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}: invalid JSON`), r, ['notjson.json']);
  });
  row(10, '[1,2,3]', async () => {
    const r = rowDir(10);
    const f = r.file('array_of_num.json', '[1,2,3]');
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}:1: record must be a JSON object`), r, ['array_of_num.json']);
  });
  row(11, 'missing file', async () => {
    const r = rowDir(11);
    const f = join(r.cwd, 'nonexist.jsonl');
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}: no such file`), r);
  });
  const parquet = (file: string, columns: Array<{ name: string; data: unknown[]; type?: 'STRING' | 'INT64' }>) =>
    parquetWriteFile({ filename: file, columnData: columns as Parameters<typeof parquetWriteFile>[0]['columnData'] });
  row(12, 'Parquet: wrong schema', async () => {
    const r = rowDir(12);
    const f = join(r.cwd, 'schema.parquet');
    parquet(f, [{ name: 'instance_id', data: ['a__b-1'], type: 'STRING' }, { name: 'title', data: ['x'], type: 'STRING' }]);
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}.*row 1: field repo: is missing`), r, ['schema.parquet']);
  });
  row(13, 'Parquet: numbers for strings', async () => {
    const r = rowDir(13);
    const f = join(r.cwd, 'numbers.parquet');
    const cols = ['instance_id', 'base_commit', 'patch', 'test_patch', 'problem_statement'].map((name) => ({ name, data: [String(SAMPLE[name])], type: 'STRING' as const }));
    parquet(f, [...cols, { name: 'repo', data: [7n], type: 'INT64' }]);
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}.*row 1: field repo: .*expected string`), r, ['numbers.parquet']);
  });
  row(14, 'Parquet: truncated', async () => {
    const r = rowDir(14);
    const good = join(dir, 'good-for-14.parquet');
    parquet(good, [{ name: 'instance_id', data: ['a__b-1'], type: 'STRING' }]);
    const bytes = readFileSync(good);
    const f = r.file('truncated.parquet', bytes.subarray(0, Math.floor(bytes.length / 2)));
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}: cannot read parquet`), r, ['truncated.parquet']);
  });
  row(15, 'Parquet: garbage', async () => {
    const r = rowDir(15);
    const f = r.file('garbage.parquet', 'PAR1 this is not parquet at all PAR1');
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}: cannot read parquet`), r, ['garbage.parquet']);
  });
});

describe('hostile instance ids', { concurrency: 4 }, () => {
  let listener: Server;
  let port = 0;
  const received: string[] = [];
  before(async () => {
    listener = createServer((sock) => {
      sock.on('data', (d) => received.push(d.toString('latin1')));
      sock.end();
    });
    await new Promise<void>((res) => listener.listen(0, '127.0.0.1', res));
    port = (listener.address() as { port: number }).port;
  });
  after(() => listener.close());

  const idRow = (n: number, input: string, id: () => string, command: 'batch' | 'verify' = 'batch') =>
    row(n, input, async () => {
      const r = rowDir(n);
      const f = r.file('ids.jsonl', `${LINES[1]}\n${record({ instance_id: id() })}\n`);
      const args = command === 'batch' ? batchArgs(r.sessions, '--dataset', f) : ['verify', '--dataset', f, '--predictions', 'gold'];
      assertBad(await swegym(args, { cwd: r.cwd }), new RegExp(`${esc(f)}:2: field instance_id: `), r, ['ids.jsonl']);
    });
  idRow(16, 'id ../../../ESCAPED__x-1 (batch)', () => '../../../ESCAPED__x-1');
  row(17, 'id ../../../../../127.0.0.1:<port>/SSRF__x-1 (verify): no request leaves', async () => {
    const r = rowDir(17);
    const f = r.file('ssrf.jsonl', `${record({ instance_id: `../../../../../127.0.0.1:${port}/SSRF__x-1` })}\n`);
    assertBad(await swegym(['verify', '--dataset', f, '--predictions', 'gold'], { cwd: r.cwd }), new RegExp(`${esc(f)}:1: field instance_id: `), r, ['ssrf.jsonl']);
    assert.deepEqual(received, [], 'the listener received nothing');
  });
  idRow(18, 'id a/b__c-1', () => 'a/b__c-1');
  idRow(19, 'id with a space', () => 'a b__c-1');
  idRow(20, 'id ;rm -rf x$(id)', () => ';rm -rf x$(id)');
  idRow(21, 'id with a newline', () => 'a\nb__c-1');
  idRow(22, 'id ..', () => '..', 'verify');
  idRow(23, 'id with ESC', () => '\u001b[31mred__x-1', 'verify');
  row(24, 'two ids sanitising to one rollout id', async () => {
    const r = rowDir(24);
    // The review's pair: both are refused where they enter, so they can never share a log.
    const f = r.file('pair.jsonl', `${record({ instance_id: 'a b__c-1' })}\n${record({ instance_id: 'a/b__c-1' })}\n`);
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', f), { cwd: r.cwd }), new RegExp(`${esc(f)}:1: field instance_id: `), r, ['pair.jsonl']);
    // Valid ids that a sanitiser would merge (case, separators) are distinct rollout ids or a duplicate (file:line).
    const g = r.file('case.jsonl', `${record({ instance_id: 'Abc__d-1' })}\n${record({ instance_id: 'abc__d-1' })}\n`);
    assertBad(await swegym(batchArgs(r.sessions, '--dataset', g), { cwd: r.cwd }), new RegExp(`${esc(g)}:2: field instance_id: `), r, ['pair.jsonl', 'case.jsonl']);
  });
});

describe('session names', { concurrency: 4 }, () => {
  const sessionRow = (n: number, input: string, name: string, message: RegExp) =>
    row(n, input, async () => {
      const r = rowDir(n);
      // The sessions dir exists and holds another session's folder, which must stay as it is.
      mkdirSync(join(r.sessions, 'other'), { recursive: true });
      writeFileSync(join(r.sessions, 'other', 'keep.txt'), 'kept');
      const out = await swegym(['batch', '--agent', 'gold', '--instances', 'swegym-samples__ledger-8', '--sessions-dir', r.sessions, '--session', name], { cwd: r.cwd });
      assertBad(out, message, r, ['sessions']);
      assert.deepEqual(readdirSync(r.sessions), ['other']);
      assert.deepEqual(readdirSync(join(r.sessions, 'other')), ['keep.txt']);
    });
  sessionRow(25, '--session ../escape', '../escape', /--session "\.\.\/escape" is not a valid session name/);
  sessionRow(26, '--session a/b', 'a/b', /--session "a\/b" is not a valid session name/);
  sessionRow(27, '--session with a newline', 'a\nb', /--session "a\\nb" is not a valid session name/);
  sessionRow(28, '--session .', '.', /--session "\." is not a valid session name/);
  sessionRow(29, '--session ..', '..', /--session "\.\." is not a valid session name/);
  sessionRow(30, "--session 'a b'", 'a b', /--session "a b" is not a valid session name/);
  sessionRow(31, "--session 'x;id'", 'x;id', /--session "x;id" is not a valid session name/);
  row(32, "--session '' (and blank)", async () => {
    const r = rowDir(32);
    assertBad(await swegym(batchArgs(r.sessions).slice(0, -2).concat(['--session', '']), { cwd: r.cwd }), /swegym batch: --session is empty/, r);
    assertBad(await swegym(batchArgs(r.sessions).slice(0, -2).concat(['--session', '   ']), { cwd: r.cwd }), /--session "   " is blank/, r);
    assertBad(await swegym(['tui', '--plain', '--session', ''], { cwd: r.cwd }), /swegym tui: session is empty/, r);
    assertBad(await swegym(['resume', '', '--sessions-dir', r.sessions], { cwd: r.cwd }), /session is empty/, r);
  });
  row(33, 'serve --session ../GYMESCAPE', async () => {
    const r = rowDir(33);
    assertBad(await swegym(['serve', '--session', '../GYMESCAPE', '--sessions-dir', r.sessions, '--pool-size', '0'], { cwd: r.cwd }), /swegym serve: --session "\.\.\/GYMESCAPE" is not a valid session name/, r);
    assert.equal(existsSync(join(r.cwd, 'GYMESCAPE')), false);
  });
});

describe('predictions', { concurrency: 4 }, () => {
  row(34, 'predictions: bad JSON line', async () => {
    const r = rowDir(34);
    const f = r.file('pred_badjson.jsonl', "{'instance_id': 'x'}\n");
    assertBad(await swegym(['verify', '--predictions', f], { cwd: r.cwd }), new RegExp(`${esc(f)}:1: invalid JSON`), r, ['pred_badjson.jsonl']);
  });
  row(35, 'predictions: unknown id', async () => {
    const r = rowDir(35);
    const f = r.file('pred_unknown.jsonl', `${JSON.stringify({ instance_id: 'swegym-samples__ledger-8', model_patch: '' })}\n${JSON.stringify({ instance_id: 'nope__nope-1', model_patch: '' })}\n`);
    assertBad(await swegym(['verify', '--predictions', f], { cwd: r.cwd }), new RegExp(`${esc(f)}:2 field instance_id: Some prediction IDs not found in dataset: "nope__nope-1"`), r, ['pred_unknown.jsonl']);
  });
  row(36, 'predictions: model_patch: 123', async () => {
    const r = rowDir(36);
    const f = r.file('pred_wrongtype.jsonl', `${JSON.stringify({ instance_id: 'swegym-samples__ledger-8', model_patch: 123 })}\n`);
    assertBad(await swegym(['verify', '--predictions', f], { cwd: r.cwd }), new RegExp(`${esc(f)}:1 field model_patch: must be a string or null`), r, ['pred_wrongtype.jsonl']);
  });
});

// Rows 37-40 and 42: five predictions, one per sample instance, verified in one real run (two workers) from a temp
// working directory, with a model name that tries to climb out of logs/run_evaluation/.
describe('patches, verified in Docker (one run)', () => {
  let run: Run;
  let cwd: string;
  const reports = new Map<string, { resolved?: boolean; patch_successfully_applied?: boolean }>();
  const logs = new Map<string, string>();
  const MODEL = '../../../../../MODEL_ESCAPE';
  before(async () => {
    cwd = join(dir, 'verify-run');
    mkdirSync(cwd);
    const tasks = LINES.map((l) => JSON.parse(l) as Record<string, string>);
    const task = (id: string) => tasks.find((t) => t.instance_id === id)!;
    // The durations repository at the base commit, for a patch that deletes a test file (every line of it).
    const clone = join(dir, 'durations');
    execFileSync('git', ['clone', '-q', join(ROOT, 'samples/repos/swegym-samples__durations.bundle'), clone]);
    const d12 = task('swegym-samples__durations-12');
    const testFile = execFileSync('git', ['-C', clone, 'show', `${d12.base_commit}:tests/test_parse.py`], { encoding: 'utf8' });
    const lines = testFile.split('\n');
    if (lines.at(-1) === '') lines.pop();
    const deletion = `diff --git a/tests/test_parse.py b/tests/test_parse.py\ndeleted file mode 100644\n--- a/tests/test_parse.py\n+++ /dev/null\n@@ -1,${lines.length} +0,0 @@\n${lines.map((l) => `-${l}`).join('\n')}\n`;
    const corruptBinary = 'diff --git a/blob.bin b/blob.bin\nnew file mode 100644\nindex 0000000..1111111\nGIT binary patch\nliteral 12\nzcmZ?wbhEHbRA2;x!!!garbage!!!\n\nliteral 0\nHcmV?d00001\n\n';
    const outside = (path: string) => `--- a/${path}\n+++ b/${path}\n@@ -1,1 +1,2 @@\n root:x:0:0:root:/root:/bin/bash\n+pwned:x:0:0::/:/bin/sh\n`;
    const preds = [
      { instance_id: 'swegym-samples__ledger-8', model_patch: readFileSync(join(ROOT, 'samples/candidates/swegym-samples__ledger-8.noapply.diff'), 'utf8') },
      { instance_id: 'swegym-samples__durations-19', model_patch: corruptBinary },
      { instance_id: 'swegym-samples__ledger-15', model_patch: outside('../../etc/passwd') },
      { instance_id: 'swegym-samples__ledger-21', model_patch: `diff --git a/etc/passwd b/etc/passwd\n${outside('/etc/passwd').replace('--- a//etc/passwd', '--- /etc/passwd').replace('+++ b//etc/passwd', '+++ /etc/passwd')}` },
      { instance_id: 'swegym-samples__durations-12', model_patch: d12.patch + deletion },
    ].map((p) => ({ ...p, model_name_or_path: MODEL }));
    writeFileSync(join(cwd, 'preds.jsonl'), preds.map((p) => JSON.stringify(p)).join('\n') + '\n');
    run = await swegym(['verify', '--predictions', join(cwd, 'preds.jsonl'), '--workers', '2', '--run-id', 'bad'], { cwd });
    const root = join(cwd, 'logs', 'run_evaluation', 'bad');
    for (const model of existsSync(root) ? readdirSync(root) : []) {
      for (const id of readdirSync(join(root, model))) {
        const rep = join(root, model, id, 'report.json');
        if (existsSync(rep)) reports.set(id, (JSON.parse(readFileSync(rep, 'utf8')) as Record<string, { resolved?: boolean; patch_successfully_applied?: boolean }>)[id]!);
        const log = join(root, model, id, 'run_instance.log');
        if (existsSync(log)) logs.set(id, readFileSync(log, 'utf8'));
      }
    }
  });
  const verdict = (id: string) => {
    assert.notEqual(run.code, null);
    assert.ok(reports.has(id) || logs.has(id), `no report or log for ${id}\n${run.stdout}\n${run.stderr}`);
    return { report: reports.get(id), log: logs.get(id) ?? '' };
  };
  row(37, 'patch that does not apply: apply failure', async () => {
    const v = verdict('swegym-samples__ledger-8');
    assert.equal(v.report?.resolved ?? false, false);
    assert.match(v.log, /Patch Apply Failed|patch_apply_failed|Hunk #1 FAILED/i);
  });
  row(38, 'corrupt binary patch: nothing applied, not resolved', async () => {
    const v = verdict('swegym-samples__durations-19');
    assert.equal(v.report?.resolved ?? false, false);
    assert.match(v.log, /corrupt binary patch|Patch Apply Failed/i);
  });
  row(39, 'patch on ../../etc/passwd: refused, contained', async () => {
    const v = verdict('swegym-samples__ledger-15');
    assert.equal(v.report?.resolved ?? false, false);
    assert.match(v.log, /Patch Apply Failed|No file to patch|outside/i);
    assert.doesNotMatch(readFileSync('/etc/passwd', 'utf8'), /^pwned:/m);
  });
  row(40, 'patch on /etc/passwd: refused, contained', async () => {
    const v = verdict('swegym-samples__ledger-21');
    assert.equal(v.report?.resolved ?? false, false);
    assert.match(v.log, /Patch Apply Failed|No file to patch|outside/i);
  });
  row(41, 'gold patch + deletion of tests/test_parse.py: test files restored, resolved', async () => {
    const v = verdict('swegym-samples__durations-12');
    assert.equal(v.report?.resolved, true, v.log.slice(-2000));
  });
  row(43, 'model_name_or_path ../../../../../MODEL_ESCAPE: logs stay under logs/run_evaluation/', async () => {
    assert.ok(reports.size + logs.size > 0, `${run.stdout}\n${run.stderr}`);
    const models = readdirSync(join(cwd, 'logs', 'run_evaluation', 'bad'));
    assert.equal(models.length, 1);
    assert.doesNotMatch(models[0]!, /\//);
    assert.notEqual(models[0], '..');
    assert.deepEqual(readdirSync(cwd).filter((n) => n !== 'logs' && n !== 'preds.jsonl' && !n.endsWith('.json')), [], 'nothing written beside logs/');
    assert.equal(existsSync(join(dir, 'MODEL_ESCAPE')) || existsSync(join(cwd, 'MODEL_ESCAPE')), false);
  });
});
covered(42, 'conftest.py forcing every outcome to passed: graded as the harness does, flagged as tamper', 'test/integration/verify-tamper.test.ts', 'a conftest.py that forces every test to pass: resolved (official), flagged as tamper');

describe('env specs, configs, environment', { concurrency: 4 }, () => {
  const spec = (timeout: string, extra = '') =>
    `{\n  "source": "review",\n  "repos": {\n    "swegym-samples/ledger": {\n      "0.1": {\n        "python": "3.11",\n        "test_cmd": "pytest -rA",\n        "test_timeout": ${timeout}${extra}\n      }\n    }\n  }\n}\n`;
  const specRow = (n: number, input: string, text: string, message: (f: string) => RegExp) =>
    row(n, input, async () => {
      const r = rowDir(n);
      const f = r.file('spec.json', text);
      assertBad(await swegym(batchArgs(r.sessions, '--instances', 'swegym-samples__ledger-8', '--env-spec', f), { cwd: r.cwd }), message(f), r, ['spec.json']);
    });
  specRow(44, 'env-spec test_timeout: "abc"', spec('"abc"'), (f) => new RegExp(`${esc(f)}:8: .*test_timeout: .*expected number`));
  specRow(45, 'env-spec test_timeout: -5', spec('-5'), (f) => new RegExp(`${esc(f)}:8: .*test_timeout: `));
  specRow(46, 'env-spec missing test_cmd', spec('60').replace('        "test_cmd": "pytest -rA",\n', ''), (f) => new RegExp(`${esc(f)}:\\d+: .*test_cmd`));
  specRow(47, 'env-spec truncated', spec('60').slice(0, 90), (f) => new RegExp(`${esc(f)}:\\d+: invalid JSON`));
  specRow(48, 'env-spec typo key test_timeot', spec('60', ',\n        "test_timeot": 30'), (f) => new RegExp(`${esc(f)}:9: .*test_timeot.*unknown`, 'i'));
  specRow(49, 'env-spec parser: nosuchparser', spec('60', ',\n        "parser": "nosuchparser"'), (f) => new RegExp(`${esc(f)}:9: .*\\.parser: unknown parser: known parsers are pytest`));
  row(50, 'agent config: unknown key', async () => {
    const r = rowDir(50);
    const f = r.file('agent_unknown.json', '{\n  "model": "m",\n  "temprature": 0.2\n}\n');
    assertBad(await swegym(batchArgs(r.sessions, '--agent', 'llm', '--config', f, '--base-url', 'http://127.0.0.1:9/v1'), { cwd: r.cwd }), new RegExp(`${esc(f)}:3: field temprature: unknown field`), r, ['agent_unknown.json']);
  });
  row(51, 'agent config: bad type', async () => {
    const r = rowDir(51);
    const f = r.file('agent_type.json', '{\n  "model": "m",\n  "temperature": "hot"\n}\n');
    assertBad(await swegym(batchArgs(r.sessions, '--agent', 'llm', '--config', f, '--base-url', 'http://127.0.0.1:9/v1'), { cwd: r.cwd }), new RegExp(`${esc(f)}:3: field temperature: `), r, ['agent_type.json']);
  });
  row(52, 'swegym.config.json with unknown keys', async () => {
    const r = rowDir(52);
    const f = r.file('swegym.config.json', '{\n  "engines": [{"name": "local"}],\n  "imagedisk_budget_gb": 20,\n  "bogus": 1\n}\n');
    assertBad(await swegym(batchArgs(r.sessions, '--instances', 'swegym-samples__ledger-8'), { cwd: r.cwd }), /swegym\.config\.json:3: field imagedisk_budget_gb: unknown field/, r, ['swegym.config.json']);
  });
  row(53, 'SWEGYM_ENGINES=ftp://x: exit 2, no session', async () => {
    const r = rowDir(53);
    assertBad(await swegym(batchArgs(r.sessions, '--instances', 'swegym-samples__ledger-8'), { cwd: r.cwd, env: { SWEGYM_ENGINES: 'ftp://x' } }), /SWEGYM_ENGINES.*ftp:\/\/x.*unsupported scheme/, r);
  });
  row(54, 'TUI config: unknown theme', async () => {
    const r = rowDir(54);
    assertBad(await swegym(['tui', '--plain', '--theme', 'nosuch'], { cwd: r.cwd }), /theme "nosuch" not found/, r);
  });
  row(55, 'TUI config: unknown key binding id', async () => {
    const r = rowDir(55);
    const f = r.file('config.json', JSON.stringify({ tui: { keys: { 'rollout.nextStepX': 'n' } } }));
    assertBad(await swegym(['tui', '--plain'], { cwd: r.cwd, env: { SWEGYM_CONFIG: f } }), new RegExp(`${esc(f)}: field "tui\\.keys\\.rollout\\.nextStepX": unknown key binding id`), r, ['config.json']);
  });
});

describe('command-line flags', { concurrency: 4 }, () => {
  const flagRow = (n: number, input: string, extra: string[], message: RegExp, argsFor?: (sessions: string) => string[]) =>
    row(n, input, async () => {
      const r = rowDir(n);
      const args = argsFor ? argsFor(r.sessions) : batchArgs(r.sessions, '--instances', 'swegym-samples__ledger-8', ...extra);
      assertBad(await swegym(args, { cwd: r.cwd }), message, r);
    });
  flagRow(56, '--samples 0', ['--samples', '0'], /--samples must be a whole number >= 1 \(got '0'\)/);
  flagRow(57, '--samples abc', ['--samples', 'abc'], /--samples must be a whole number >= 1 \(got 'abc'\)/);
  flagRow(58, '--concurrency 0', ['--concurrency', '0'], /--concurrency must be a whole number >= 1 \(got '0'\)/);
  flagRow(59, '--temperatures abc', ['--temperatures', 'abc'], /--temperatures must be numbers in \[0, 2\]/);
  flagRow(60, '--temperatures 5', ['--temperatures', '5'], /--temperatures must be numbers in \[0, 2\]/);
  flagRow(61, 'unknown --instances', [], /unknown instance id: nope__nope-1/, (s) => batchArgs(s, '--instances', 'nope__nope-1'));
  flagRow(62, '--profile bogus', ['--profile', 'bogus'], /--profile must be one of/);
  flagRow(63, 'missing --env-spec file', ['--env-spec', '/nonexistent/spec.json'], /\/nonexistent\/spec\.json/);
  flagRow(64, '--agent bogus', ['--agent', 'bogus'], /--agent: .*bogus/);
  flagRow(65, '--dataset /etc/passwd', ['--dataset', '/etc/passwd'], /\/etc\/passwd: unknown dataset file type "": expected \.json, \.jsonl or \.parquet/);
  flagRow(66, '--samples -1', ['--samples', '-1'], /--samples must be a whole number >= 1 \(got '-1'\)/);
  flagRow(67, '--budget-usd -1', ['--budget-usd', '-1'], /--budget-usd must be a number > 0 \(got '-1'\)/);
  flagRow(68, '--rollout-timeout 0', ['--rollout-timeout', '0'], /--rollout-timeout must be a number > 0 \(got '0'\)/);
  flagRow(69, '--seed 1.5', ['--seed', '1.5'], /--seed must be a whole number >= 0 \(got '1\.5'\)/);
});

// Rows 70-81: the Gym API of a real `swegym serve` (no warm pool). Malformed requests are 4xx before anything runs;
// the two step rows need a live environment (one container, removed at the end).
describe('Gym API', () => {
  let serve: ChildProcess;
  let base = '';
  let envId = '';
  const serveOut: string[] = [];
  before(async () => {
    const r = rowDir(70);
    serve = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--pool-size', '0', '--sessions-dir', r.sessions, '--session', 'gym-bad'], { cwd: r.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    base = await new Promise<string>((resolve, reject) => {
      let text = '';
      serve.stdout!.setEncoding('utf8').on('data', (c: string) => {
        text += c;
        serveOut.push(c);
        const m = /gym server on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
        if (m) resolve(m[1]!);
      });
      serve.on('exit', (code) => reject(new Error(`serve exited ${code}: ${text}`)));
    });
  });
  after(async () => {
    if (envId) await raw('DELETE', `/v1/envs/${envId}`);
    const exited = new Promise((r) => serve.once('exit', r));
    serve.kill('SIGTERM');
    await exited;
  });
  /** A raw HTTP request: the path goes out exactly as written (fetch would normalise `..` and escapes). */
  function raw(method: string, path: string, body?: string | Buffer): Promise<{ status: number; json: any }> {
    return new Promise((resolve, reject) => {
      const u = new URL(base);
      const req = http.request({ host: u.hostname, port: u.port, method, path, headers: body !== undefined ? { 'content-type': 'application/json' } : {} }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  /** The Gym API's error body: {"error": {"code", "message"}}. */
  const gymMessage = (json: any): string => String(json?.error?.message ?? json?.message ?? JSON.stringify(json));
  const gymRow = (n: number, input: string, method: string, path: string, body: string | Buffer | undefined, status: number, message: RegExp) =>
    row(n, input, async () => {
      const r = await raw(method, path, body);
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.match(gymMessage(r.json), message);
    });
  gymRow(70, 'Gym: malformed JSON', 'POST', '/v1/envs', '{"instance_id": ', 400, /not valid JSON/);
  gymRow(71, 'Gym: instance_id: 5', 'POST', '/v1/envs', '{"instance_id": 5}', 400, /instance_id/);
  gymRow(72, 'Gym: unknown field', 'POST', '/v1/envs', '{"instance_id": "swegym-samples__ledger-8", "evil": 1}', 400, /Unrecognized key: "evil"/);
  row(73, 'Gym: unknown instance ../../etc/passwd', async () => {
    const r = await raw('POST', '/v1/envs', JSON.stringify({ instance_id: '../../etc/passwd' }));
    assert.ok(r.status === 400 || r.status === 404, `4xx: ${r.status} ${JSON.stringify(r.json)}`);
    assert.match(gymMessage(r.json), /instance_id|unknown instance/);
  });
  gymRow(74, 'Gym: 20 MB body', 'POST', '/v1/envs', Buffer.alloc(20 * 1024 * 1024, 0x20), 413, /request body over \d+ bytes/);
  gymRow(75, 'Gym: id ..%2F..%2Fetc%2Fpasswd', 'GET', '/v1/envs/..%2F..%2Fetc%2Fpasswd', undefined, 404, /unknown env id/);
  gymRow(76, 'Gym: id %2e%2e%2f%2e%2e', 'GET', '/v1/envs/%2e%2e%2f%2e%2e', undefined, 404, /unknown env id/);
  gymRow(77, 'Gym: raw ../../../etc/passwd', 'GET', '/v1/envs/../../../etc/passwd', undefined, 404, /no route/);
  gymRow(78, 'Gym: id %00%0a%1b', 'GET', '/v1/envs/%00%0a%1b', undefined, 404, /unknown env id/);
  row(79, "Gym: unknown tool 'rm_rf' (on a live environment)", async () => {
    const created = await raw('POST', '/v1/envs', JSON.stringify({ instance_id: 'swegym-samples__ledger-8' }));
    assert.equal(created.status, 201, JSON.stringify(created.json));
    envId = created.json.env_id;
    const r = await raw('POST', `/v1/envs/${envId}/step`, JSON.stringify({ action: { name: 'rm_rf', arguments: {} } }));
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(gymMessage(r.json), /unknown tool 'rm_rf'/);
  });
  row(80, 'Gym: step with bad JSON', async () => {
    assert.ok(envId, 'row 79 created the environment');
    const r = await raw('POST', `/v1/envs/${envId}/step`, '{"action": ');
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(gymMessage(r.json), /not valid JSON/);
    // The environment is still usable after both bad steps.
    const ok = await raw('POST', `/v1/envs/${envId}/step`, JSON.stringify({ action: { name: 'execute_bash', arguments: { command: 'echo alive' } } }));
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.match(JSON.stringify(ok.json), /alive/);
  });
  gymRow(81, 'Gym: GET /v1/envs/%E0%A4%A (malformed escape)', 'GET', '/v1/envs/%E0%A4%A', undefined, 400, /malformed %-escape/);
});
covered(82, 'session.lock holding a reused live PID: taken over', 'test/unit/process-identity.test.ts', 'a session lock held by a reused pid (live process, other start time) is stale and taken over');
