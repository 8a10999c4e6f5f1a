import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HARNESS_VERSIONS,
  OFFICIAL_PARSERS_NOT_IMPLEMENTED,
  PARSERS,
  PARSER_FUNCTION,
  ParserCrash,
  officialParserForRepo,
  parserNamesOf,
  resolveParserName,
  type ParserName,
} from '../../src/core/harness/parsers.js';

// Data the official Python code produced (see test/fixtures/official/PROVENANCE.md): every Python parser of each
// version run on every log. Our port must give the same status map, or raise where it raised.
const ORACLE = join(import.meta.dirname, '..', 'fixtures', 'official');
const versions = JSON.parse(readFileSync(join(ORACLE, 'versions.json'), 'utf8'));
const logText = (rel: string) => readFileSync(join(ORACLE, 'logs', rel), 'utf8');

interface Row {
  parser: string;
  log: string;
  status_map?: Record<string, string>;
  raises?: string;
}
const rowsOf = (version: string): Row[] =>
  readFileSync(join(ORACLE, 'parsers', `${version}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

const SHORT_OF = Object.fromEntries(Object.entries(PARSER_FUNCTION).map(([short, fn]) => [fn, short as ParserName]));

for (const version of HARNESS_VERSIONS) {
  test(`${version}: every implemented parser (Python, Go, Rust) on every log gives the official status map (or raises where it raised)`, (t) => {
    const rows = rowsOf(version);
    const logs = Object.keys(versions.logs);
    const counts: Record<string, { equal: number; total: number }> = {};
    const diffs: string[] = [];
    for (const row of rows) {
      const short = SHORT_OF[row.parser];
      assert.ok(short, `oracle parser ${row.parser} has no swegym counterpart`);
      const fn = PARSERS[version][short];
      assert.ok(fn, `${version} lacks ${short}`);
      const c = (counts[row.parser] ??= { equal: 0, total: 0 });
      c.total++;
      let ours: { status_map?: Record<string, string>; raises?: string };
      try {
        ours = { status_map: fn(logText(row.log)) };
      } catch (e) {
        if (!(e instanceof ParserCrash)) throw e;
        ours = { raises: e.pythonError };
      }
      try {
        assert.deepStrictEqual(ours, row.raises ? { raises: row.raises } : { status_map: row.status_map });
        c.equal++;
      } catch {
        diffs.push(`${row.parser} ${row.log}: official ${JSON.stringify(row.raises ?? row.status_map).slice(0, 300)} vs ours ${JSON.stringify(ours).slice(0, 300)}`);
      }
    }
    for (const [p, c] of Object.entries(counts)) t.diagnostic(`${version} ${p}: ${c.equal}/${c.total}`);
    assert.deepEqual(diffs, []);
    // every Python parser of the version's table, each on every log
    const py = Object.keys(versions.versions.find((v: { id: string }) => v.id === version).parsers).filter((p) => SHORT_OF[p]);
    assert.deepEqual(Object.keys(counts).sort(), py.sort());
    for (const c of Object.values(counts)) assert.equal(c.total, logs.length);
  });
}

test('the parser tables name the same functions, aliases and repositories as the official ones', () => {
  for (const v of versions.versions) {
    const version = v.id as (typeof HARNESS_VERSIONS)[number];
    const notPython: string[] = [];
    for (const [fn, info] of Object.entries(v.parsers) as [string, { registry_names: string[]; repos: string[] }][]) {
      const short = SHORT_OF[fn];
      if (!short) {
        notPython.push(fn);
        continue;
      }
      for (const alias of info.registry_names) assert.equal(resolveParserName(alias, version), short, `${version} ${alias}`);
      if (version !== 'main-7a21e05') {
        for (const repo of info.repos) assert.equal(officialParserForRepo(version, repo), short, `${version} ${repo}`);
      }
    }
    // what swegym does not implement is exactly the official non-Python parsers
    for (const fn of notPython) assert.ok(OFFICIAL_PARSERS_NOT_IMPLEMENTED.includes(fn), `${version}: ${fn} is neither implemented nor listed`);
    // and no name resolves under a version that does not have it
    const all = new Set(Object.values(v.parsers).flatMap((p) => (p as { registry_names: string[] }).registry_names));
    for (const name of parserNamesOf(version)) if (name.startsWith('parse_log_')) assert.ok(all.has(name), `${version} does not have ${name}`);
  }
  assert.throws(() => resolveParserName('pydantic', 'main-7a21e05'), /not a log parser of main-7a21e05/);
  assert.throws(() => resolveParserName('parse_log_karma', 'main-7a21e05'), /does not implement/);
  assert.equal(officialParserForRepo('v4.1.0-726c546', 'getmoto/moto'), undefined);
  assert.equal(officialParserForRepo('fork-242429c', 'Project-MONAI/MONAI'), 'pytest');
});
