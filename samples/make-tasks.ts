/**
 * Assemble samples/tasks.jsonl from the bundles (samples/repos), the issue texts (samples/tasks-src)
 * and the logs captured by samples/capture-logs.sh (test/fixtures/logs), in the SWE-Gym record format.
 *
 * For each task `<owner>__<name>-<PR>`: the fix is the commit whose subject names `(#PR)`, base_commit is
 * its parent, `patch` is the fix's diff outside tests/, `test_patch` the diff inside tests/. FAIL_TO_PASS
 * and PASS_TO_PASS are derived as SWE-Gym did: parse the gold and the empty run with the harness's pytest
 * log parser; F2P = gold PASSED and empty FAILED, P2P = gold PASSED and empty PASSED.
 *
 * Run: node --import tsx samples/make-tasks.ts   (after build-repos.sh and capture-logs.sh)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SAMPLES = dirname(fileURLToPath(import.meta.url));
const LOGS = join(SAMPLES, '..', 'test', 'fixtures', 'logs');

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** SWE-bench's parse_log_pytest: lines starting with a status; FAILED lines lose " - "; key = 2nd token. */
function parsePytest(log: string): Map<string, string> {
  const statuses = ['FAILED', 'PASSED', 'SKIPPED', 'ERROR', 'XFAIL'];
  const map = new Map<string, string>();
  for (let line of log.split('\n')) {
    if (!statuses.some((s) => line.startsWith(s))) continue;
    if (line.startsWith('FAILED')) line = line.replaceAll(' - ', ' ');
    const tokens = line.split(/\s+/).filter((t) => t.length > 0);
    if (tokens.length <= 1) continue;
    map.set(tokens[1], tokens[0]);
  }
  return map;
}

function readLog(id: string, variant: string): Map<string, string> {
  const path = join(LOGS, `${id}.${variant}.log`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run samples/capture-logs.sh first`);
  return parsePytest(readFileSync(path, 'utf8'));
}

const ids = readdirSync(join(SAMPLES, 'tasks-src')).sort((a, b) => {
  const [ra, na] = [a.replace(/-\d+$/, ''), Number(a.split('-').pop())];
  const [rb, nb] = [b.replace(/-\d+$/, ''), Number(b.split('-').pop())];
  return ra === rb ? na - nb : ra.localeCompare(rb);
});

const work = mkdtempSync(join(tmpdir(), 'swegym-make-tasks-'));
const lines: string[] = [];
try {
  for (const id of ids) {
    const match = /^(.+)__(.+)-(\d+)$/.exec(id);
    if (!match) throw new Error(`tasks-src/${id}: not an <owner>__<name>-<PR> instance id`);
    const [, owner, name, pr] = match;
    const repoDir = join(work, id);
    execFileSync('git', ['clone', '-q', join(SAMPLES, 'repos', `${owner}__${name}.bundle`), repoDir]);
    const fixes = git(repoDir, 'log', '--all', '--format=%H', '--fixed-strings', `--grep=(#${pr})`).trim().split('\n');
    if (fixes.length !== 1 || !fixes[0]) throw new Error(`${id}: expected one commit naming (#${pr}), found ${fixes.length}`);
    const fix = fixes[0];
    const base = git(repoDir, 'rev-parse', `${fix}^`).trim();
    const patch = git(repoDir, 'diff', base, fix, '--', '.', ':(exclude)tests');
    const testPatch = git(repoDir, 'diff', base, fix, '--', 'tests');
    const init = git(repoDir, 'show', `${base}:${name}/__init__.py`);
    const fullVersion = /__version__ = "([^"]+)"/.exec(init)?.[1];
    if (!fullVersion) throw new Error(`${id}: no __version__ in ${name}/__init__.py at ${base}`);
    const createdAt = new Date(Number(git(repoDir, 'show', '-s', '--format=%at', fix).trim()) * 1000)
      .toISOString()
      .replace('.000Z', 'Z');

    const gold = readLog(id, 'gold');
    const empty = readLog(id, 'empty');
    const goldPassed = [...gold].filter(([, s]) => s === 'PASSED').map(([t]) => t);
    const failToPass = goldPassed.filter((t) => empty.get(t) === 'FAILED');
    const passToPass = goldPassed.filter((t) => empty.get(t) === 'PASSED');
    if (failToPass.length === 0) throw new Error(`${id}: no FAIL_TO_PASS test`);

    const src = join(SAMPLES, 'tasks-src', id);
    const record = {
      instance_id: id,
      repo: `${owner}/${name}`,
      base_commit: base,
      patch,
      test_patch: testPatch,
      problem_statement: readFileSync(join(src, 'problem.md'), 'utf8').trim() + '\n',
      hints_text: readFileSync(join(src, 'hints.md'), 'utf8').trim(),
      created_at: createdAt,
      version: fullVersion.split('.').slice(0, 2).join('.'),
      FAIL_TO_PASS: failToPass,
      PASS_TO_PASS: passToPass,
    };
    lines.push(JSON.stringify(record));
    console.log(`${id}: base ${base.slice(0, 10)}, ${failToPass.length} FAIL_TO_PASS, ${passToPass.length} PASS_TO_PASS`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
writeFileSync(join(SAMPLES, 'tasks.jsonl'), lines.join('\n') + '\n');
