import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParserCrash, officialParserForRepo } from '../../src/core/harness/parsers.js';
import { getLogsEval } from '../../src/core/harness/logs.js';
import { getEvalReport, getResolutionStatus } from '../../src/core/harness/grading.js';
import { PROFILES } from '../../src/core/harness/profiles.js';
import type { ProfileName } from '../../src/core/harness/types.js';

// Every grading case of the oracle (test/fixtures/official/grading, produced by the official Python code) graded
// by each profile against the version it is pinned to: get_logs_eval, get_eval_report, get_resolution_status.
const ORACLE = join(import.meta.dirname, '..', 'fixtures', 'official');
const cases: Case[] = JSON.parse(readFileSync(join(ORACLE, 'grading', 'cases.json'), 'utf8'));

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
interface Official {
  spec: { repo: string; version: string; log_parser: string | null; eval_type: string };
  get_logs_eval: { status_map: Record<string, string>; found: boolean } | { raises: string };
  get_eval_report: Record<string, unknown> | { raises: string };
  get_resolution_status?: string;
}

/** The parser each version would pick: the fork and v4.1.0 by repo (KeyError when absent), main by log_parser. */
function parserFor(profile: ProfileName, c: Case, spec: Official['spec']): string | { raises: string } {
  const v = PROFILES[profile].version;
  if (v === 'main-7a21e05') return spec.log_parser!;
  return officialParserForRepo(v, c.repo) ?? { raises: 'KeyError' };
}

function attempt<T>(fn: () => T): T | { raises: string } {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ParserCrash) return { raises: e.pythonError };
    throw e;
  }
}

const PAIRS: [ProfileName, string][] = [
  ['swegym', 'fork-242429c'],
  ['openhands', 'fork-242429c'],
  ['swebench-4.1', 'v4.1.0-726c546'],
  ['swebench', 'main-7a21e05'],
];

for (const [profile, version] of PAIRS) {
  test(`${profile} grades every oracle case as ${version} does`, (t) => {
    assert.equal(PROFILES[profile].version, version);
    const official: Record<string, Official> = JSON.parse(readFileSync(join(ORACLE, 'grading', `${version}.json`), 'utf8'));
    assert.deepEqual(Object.keys(official).sort(), cases.map((c) => c.name).sort());
    const diffs: string[] = [];
    let equal = 0;
    for (const c of cases) {
      const o = official[c.name];
      const log = readFileSync(join(ORACLE, c.log), 'utf8');
      const parser = parserFor(profile, c, o.spec);
      const ours: Record<string, unknown> = {};
      if (typeof parser !== 'string') {
        ours.get_logs_eval = parser;
        ours.get_eval_report = parser;
      } else {
        const logs = attempt(() => getLogsEval(log, profile, parser));
        ours.get_logs_eval = 'raises' in logs ? logs : { found: logs.valid, status_map: logs.statusMap };
        const rep = attempt(() =>
          getEvalReport(
            { instanceId: c.instance_id, repo: c.repo, FAIL_TO_PASS: c.FAIL_TO_PASS, PASS_TO_PASS: c.PASS_TO_PASS, eval_type: c.eval_type, patch: c.model_patch_none ? null : 'diff', log, parser },
            profile,
          ),
        );
        ours.get_eval_report = 'raises' in rep ? rep : rep.report[c.instance_id];
        if (!('raises' in rep) && rep.testsStatus) ours.get_resolution_status = getResolutionStatus(rep.testsStatus);
      }
      const expected: Record<string, unknown> = { get_logs_eval: o.get_logs_eval, get_eval_report: o.get_eval_report };
      if (o.get_resolution_status && ours.get_resolution_status) expected.get_resolution_status = o.get_resolution_status;
      try {
        assert.deepStrictEqual(ours, expected);
        // resolution is given whenever the official code computed one on a found log
        if (o.get_resolution_status && (o.get_eval_report as { patch_successfully_applied?: boolean }).patch_successfully_applied) {
          assert.equal(ours.get_resolution_status, o.get_resolution_status);
        }
        equal++;
      } catch (e) {
        diffs.push(`${c.name}: ${(e as Error).message.slice(0, 1500)}`);
      }
    }
    t.diagnostic(`${profile} vs ${version}: ${equal}/${cases.length} grading cases equal`);
    assert.deepEqual(diffs, []);
  });
}

test('report key order follows each version (fork: no infra_failure; main: infra_failure after resolved)', () => {
  const input = { instanceId: 'x__y-1', repo: 'pytest-dev/pytest', FAIL_TO_PASS: [], PASS_TO_PASS: [], patch: 'diff', log: 'nothing', parser: 'pytest' };
  assert.deepEqual(Object.keys(getEvalReport(input, 'swegym').report['x__y-1']), ['patch_is_None', 'patch_exists', 'patch_successfully_applied', 'resolved']);
  assert.deepEqual(Object.keys(getEvalReport(input, 'swebench').report['x__y-1']), ['patch_is_None', 'patch_exists', 'patch_successfully_applied', 'resolved', 'infra_failure']);
});
