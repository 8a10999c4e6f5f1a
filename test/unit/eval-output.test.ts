import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvalOutputFile, mayMatterForGrading } from '../../src/core/harness/eval-output.js';
import { LineSplitter, forEachLineOfFile } from '../../src/core/harness/log-lines.js';
import { HARNESS_VERSIONS, LINE_PARSERS, ParserCrash, officialParserForRepo } from '../../src/core/harness/parsers.js';
import { getEvalReport, getEvalReportStreamed } from '../../src/core/harness/grading.js';
import { classifyInfraFailure, getLogsEval, universalNewlines } from '../../src/core/harness/logs.js';
import { PROFILES } from '../../src/core/harness/profiles.js';
import type { ProfileName } from '../../src/core/harness/types.js';

// Verification's output goes to a capped file that keeps every line grading can read, and is graded from that file
// line by line (src/core/harness/eval-output.ts). Exactness is checked against the official oracle: every grading case
// of test/fixtures/official, with runs of unreadable lines mixed in so that the cap drops something, must grade from
// the capped file exactly as the whole text does (which official-oracle-grading.test.ts checks against Python).

const ORACLE = join(import.meta.dirname, '..', 'fixtures', 'official');
interface Case {
  name: string;
  repo: string;
  instance_id: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  log: string;
  eval_type: string;
  model_patch_none: boolean;
}
const cases: Case[] = JSON.parse(readFileSync(join(ORACLE, 'grading', 'cases.json'), 'utf8'));
const versions = JSON.parse(readFileSync(join(ORACLE, 'versions.json'), 'utf8'));
const NONPYTHON = join(ORACLE, 'nonpython', 'logs');
const oracleLogs: string[] = [
  ...new Set([
    ...Object.keys(versions.logs).map((l) => join(ORACLE, 'logs', l)),
    ...cases.map((c) => join(ORACLE, c.log)),
    ...(existsSync(NONPYTHON) ? readdirSync(NONPYTHON).map((f) => join(NONPYTHON, f)) : []),
  ]),
];

/** A deterministic pseudo-random generator (tests must not depend on luck). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Lines no parser reads: long noise, blank runs, CRLF noise. */
function junk(r: () => number): string {
  const k = Math.floor(r() * 4);
  if (k === 0) return 'x'.repeat(300 + Math.floor(r() * 500)) + '\n';
  if (k === 1) return '\n'.repeat(1 + Math.floor(r() * 400));
  if (k === 2) return `noise line ${Math.floor(r() * 1e6)} ${'y'.repeat(400)}\r\n`;
  return '';
}

/** The log with junk runs between its lines, keeping every original line and line ending. */
function withJunk(log: string, seed: number): string {
  const r = rng(seed);
  return log.replace(/\n/g, () => '\n' + junk(r));
}

/** Push the text in chunks of random sizes (so "\r\n" and lines are split across chunks). */
function writeCapped(path: string, text: string, seed: number, limits = { headChars: 0, tailChars: 0 }) {
  const f = new EvalOutputFile(path, limits);
  const r = rng(seed);
  for (let i = 0; i < text.length; ) {
    const n = 1 + Math.floor(r() * 700);
    f.push(text.slice(i, i + n));
    i += n;
  }
  return f.close();
}

function parserFor(profile: ProfileName, c: Case): string | undefined {
  const v = PROFILES[profile].version;
  if (v === 'main-7a21e05') {
    const official = JSON.parse(readFileSync(join(ORACLE, 'grading', `${v}.json`), 'utf8'));
    return official[c.name].spec.log_parser;
  }
  return officialParserForRepo(v, c.repo);
}

const attempt = async <T>(fn: () => Promise<T> | T): Promise<T | { raises: string }> => {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ParserCrash) return { raises: e.pythonError };
    throw e;
  }
};

test('LineSplitter splits like Python universal newlines, across any chunking', () => {
  const text = 'a\r\nb\rc\n\r\n\rd\r';
  for (let cut = 0; cut <= text.length; cut++) {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push(text.slice(0, cut));
    s.push(text.slice(cut));
    s.end();
    assert.deepEqual(lines, universalNewlines(text).split('\n'), `cut at ${cut}`);
  }
  const long: string[] = [];
  const s = new LineSplitter((l) => long.push(l), 100);
  s.push('h'.repeat(50) + 'm'.repeat(1000) + 't'.repeat(50) + '\nnext');
  s.end();
  assert.equal(long[0], `${'h'.repeat(50)}[swegym: 1000 characters of this line omitted]${'t'.repeat(50)}`);
  assert.equal(long[1], 'next');
});

test('every line of the oracle logs that some parser of some version reads is kept by the cap', () => {
  const missed: string[] = [];
  let read = 0;
  for (const file of oracleLogs) {
    for (const line of universalNewlines(readFileSync(file, 'utf8')).split('\n')) {
      let matters = false;
      for (const v of HARNESS_VERSIONS) {
        for (const make of Object.values(LINE_PARSERS[v])) {
          const p = make!();
          try {
            p.line(line);
            if (Object.keys(p.result()).length) matters = true;
          } catch (e) {
            if (!(e instanceof ParserCrash)) throw e;
            matters = true;
          }
        }
      }
      if (classifyInfraFailure(line)) matters = true;
      if (line.includes('>>>>>') || /applied patch/i.test(line)) matters = true;
      if (!matters) continue;
      read++;
      if (!mayMatterForGrading(line)) missed.push(line);
    }
  }
  assert.ok(read > 200, `the oracle logs have status lines (${read})`);
  assert.deepEqual(missed, []);
});

for (const profile of Object.keys(PROFILES) as ProfileName[]) {
  test(`${profile}: every oracle case graded from the capped file = graded from the whole text`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swegym-evalout-'));
    try {
      let dropped = 0;
      const diffs: string[] = [];
      for (const [i, c] of cases.entries()) {
        const parser = parserFor(profile, c);
        if (!parser) continue;
        const full = withJunk(readFileSync(join(ORACLE, c.log), 'utf8'), i + 1);
        const path = join(dir, `${i}.txt`);
        const stats = writeCapped(path, full, i + 7);
        dropped += stats.omittedBytes;
        const input = { instanceId: c.instance_id, repo: c.repo, FAIL_TO_PASS: c.FAIL_TO_PASS, PASS_TO_PASS: c.PASS_TO_PASS, eval_type: c.eval_type, patch: c.model_patch_none ? null : 'diff', parser };
        const whole = await attempt(() => {
          const r = getEvalReport({ ...input, log: full }, profile);
          return { report: r.report, statusMap: r.logs?.statusMap, order: Object.keys(r.logs?.statusMap ?? {}) };
        });
        const streamed = await attempt(async () => {
          const r = await getEvalReportStreamed(input, profile, (fold) => forEachLineOfFile(path, (l) => fold.line(l)));
          return { report: r.report, statusMap: r.logs?.statusMap, order: Object.keys(r.logs?.statusMap ?? {}) };
        });
        try {
          assert.deepStrictEqual(streamed, whole);
        } catch (e) {
          diffs.push(`${c.name}: ${(e as Error).message.slice(0, 800)}`);
        }
      }
      assert.deepEqual(diffs, []);
      assert.ok(dropped > 100_000, `the cap left out the junk runs (${dropped} bytes)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('neighbours that matter are kept: the line before "...", the line after "Tests:" across blank lines', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-evalout-'));
  try {
    const pad = 'z'.repeat(1000) + '\n';
    // django: the name on the line before "... System check ..." (a multi-line match), main: "Tests:" + blanks + 3
    const log =
      pad + 'its_name (app.T)\n... System check identified no issues (0 silenced)\nok\n' + pad +
      "+ : '>>>>> Start Test Output'\n" + pad + 'Tests:\n\n\n   3 passed\n' + pad + "+ : '>>>>> End Test Output'\n" + pad;
    const path = join(dir, 'n.txt');
    writeCapped(path, log, 3);
    const kept = readFileSync(path, 'utf8');
    assert.match(kept, /its_name \(app\.T\)\n\.\.\. System check/);
    assert.match(kept, /Tests:\n\n\n {3}3 passed\n/);
    assert.equal(kept.split('z'.repeat(1000)).length - 1, 1, 'of five noise lines only the one in the tail is kept');
    assert.match(kept, /\[swegym: 1001 bytes of test output omitted here\]/);
    for (const profile of ['swebench', 'swegym'] as ProfileName[]) {
      const whole = getLogsEval(log, profile, 'django');
      const { LogsEvalFold } = await import('../../src/core/harness/logs.js');
      const fold = new LogsEvalFold(profile, 'django');
      await forEachLineOfFile(path, (l) => fold.line(l));
      assert.deepStrictEqual(fold.result(), whole);
    }
    assert.equal(getLogsEval(log, 'swebench', 'django').statusMap['its_name (app.T)'], 'PASSED');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('head and tail are kept whole, the middle keeps status lines only, and the file says what it left out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-evalout-'));
  try {
    const path = join(dir, 'h.txt');
    const line = (i: number) => `noise ${i} ${'n'.repeat(1000)}\n`;
    let text = '';
    for (let i = 0; i < 2000; i++) text += line(i) + (i === 1000 ? 'PASSED tests/t.py::middle\n' : '');
    const stats = writeCapped(path, text, 5, { headChars: 100_000, tailChars: 100_000 });
    const kept = readFileSync(path, 'utf8');
    assert.ok(kept.startsWith(text.slice(0, 100_000)), 'the head is kept byte for byte');
    assert.ok(kept.includes(text.slice(-100_000)), 'the tail is kept byte for byte');
    assert.ok(kept.includes('\nPASSED tests/t.py::middle\n'), 'a status line in the middle is kept');
    assert.ok(statSync(path).size < 260_000, `capped (${statSync(path).size} bytes of ${text.length})`);
    assert.equal(stats.totalBytes, Buffer.byteLength(text));
    assert.equal(stats.omittedRuns, 2);
    assert.match(kept, /\[swegym: test output was \d+ bytes; \d+ bytes in 2 runs of lines no log parser reads were left out/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
