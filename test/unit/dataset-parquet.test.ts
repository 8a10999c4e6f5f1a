import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetWriteFile } from 'hyparquet-writer';
import { DatasetError, loadTasks } from '../../src/core/dataset/load.js';

const JSONL = fileURLToPath(new URL('../fixtures/datasets/tasks.jsonl', import.meta.url));

/** The fixture records, with F2P/P2P as real arrays the way SWE-Gym's parquet stores them (sequence<string>). */
function fixtureRecords(): Record<string, unknown>[] {
  return readFileSync(JSONL, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .map((r) => ({
      ...r,
      FAIL_TO_PASS: typeof r.FAIL_TO_PASS === 'string' ? JSON.parse(r.FAIL_TO_PASS) : r.FAIL_TO_PASS,
      PASS_TO_PASS: typeof r.PASS_TO_PASS === 'string' ? JSON.parse(r.PASS_TO_PASS) : r.PASS_TO_PASS,
    }));
}

const STRING_COLS = ['instance_id', 'repo', 'base_commit', 'patch', 'test_patch', 'problem_statement', 'hints_text', 'created_at', 'version'];

/** Write records as parquet: string columns, list<string> F2P/P2P (or JSON strings), an int64 column like pull_number. */
function writeTasksParquet(file: string, recs: Record<string, unknown>[], opts: { encodeLists?: boolean } = {}): void {
  parquetWriteFile({
    filename: file,
    columnData: [
      ...STRING_COLS.map((name) => ({ name, data: recs.map((r) => (r[name] ?? null) as string | null), type: 'STRING' as const })),
      ...['FAIL_TO_PASS', 'PASS_TO_PASS'].map((name) =>
        opts.encodeLists
          ? { name, data: recs.map((r) => JSON.stringify(r[name])), type: 'STRING' as const }
          : { name, data: recs.map((r) => r[name] as string[]) },
      ),
      { name: 'pull_number', data: recs.map((_, i) => BigInt(1000 + i)), type: 'INT64' as const },
    ],
  });
}

test('parquet round trip: list<string> and JSON-string test lists, int64 columns, row numbers, sha256', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-pq-'));
  try {
    const recs = fixtureRecords();
    const lists = join(dir, 'lists.parquet');
    const strings = join(dir, 'strings.parquet');
    writeTasksParquet(lists, recs);
    writeTasksParquet(strings, recs, { encodeLists: true });
    const fromJsonl = await loadTasks(JSONL);
    for (const file of [lists, strings]) {
      const { tasks, source, errors } = await loadTasks(file);
      assert.equal(errors.length, 0);
      assert.equal(source.kind, 'parquet');
      assert.equal(source.sha256, createHash('sha256').update(readFileSync(file)).digest('hex'));
      assert.equal(tasks.length, 3);
      for (const [i, t] of tasks.entries()) {
        const want = fromJsonl.tasks[i];
        for (const k of [...STRING_COLS, 'FAIL_TO_PASS', 'PASS_TO_PASS'] as const) {
          assert.deepEqual(t[k as keyof typeof t], want[k as keyof typeof want], `${file} row ${i + 1} ${k}`);
        }
        assert.equal((t as Record<string, unknown>).pull_number, 1000 + i, 'int64 arrives as a number');
      }
      assert.deepEqual(tasks[0].FAIL_TO_PASS, ['tests/test_core.py::test_x', 'tests/test_core.py::test_param[a b-1]']);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parquet: a malformed row is reported with file, row number and field; skipInvalid keeps the others', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-pq-'));
  try {
    const recs = fixtureRecords();
    recs[1] = { ...recs[1], base_commit: 'not-a-sha' };
    const file = join(dir, 'bad.parquet');
    writeTasksParquet(file, recs);
    await assert.rejects(loadTasks(file), (err: unknown) => {
      assert.ok(err instanceof DatasetError);
      assert.equal(err.line, 2);
      assert.equal(err.unit, 'row');
      assert.equal(err.field, 'base_commit');
      assert.equal(err.message, `${file}: row 2: field base_commit: must be a 40-hex commit sha (instance python__mypy-202)`);
      return true;
    });
    const { tasks, errors } = await loadTasks(file, { skipInvalid: true });
    assert.deepEqual(tasks.map((t) => t.instance_id), ['getmoto__moto-101', 'getmoto__moto-303']);
    assert.equal(errors.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parquet: a folder of shards loads in name order; a corrupt file names the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-pq-'));
  try {
    const recs = fixtureRecords();
    mkdirSync(join(dir, 'data'));
    writeTasksParquet(join(dir, 'data', 'train-00001-of-00002.parquet'), recs.slice(2));
    writeTasksParquet(join(dir, 'data', 'train-00000-of-00002.parquet'), recs.slice(0, 2));
    const { tasks, source } = await loadTasks(dir);
    assert.deepEqual(tasks.map((t) => t.instance_id), ['getmoto__moto-101', 'python__mypy-202', 'getmoto__moto-303']);
    assert.equal(source.files.length, 2);
    assert.match(source.sha256, /^[0-9a-f]{64}$/);
    const corrupt = join(dir, 'corrupt.parquet');
    (await import('node:fs')).writeFileSync(corrupt, 'PAR1 this is not parquet');
    await assert.rejects(loadTasks(corrupt), (err: unknown) => err instanceof DatasetError && err.message.startsWith(`${corrupt}: cannot read parquet`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
