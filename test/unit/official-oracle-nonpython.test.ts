import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getParser, resolveParserName, officialParserForRepo } from '../../src/core/harness/parsers.js';
import type { HarnessVersion } from '../../src/core/parser-names.js';

// SWE-bench's Go, Rust and JavaScript line parsers (parse_log_gotest, parse_log_cargo, parse_log_jest,
// parse_log_vitest, parse_log_tap) on logs written for their edge cases, every parser on every log, against what the
// official code of each version returned (test/fixtures/official/nonpython: generate.py wrote the logs and ran the
// official modules; see PROVENANCE.md). The shared oracle's 54 logs are checked for these parsers too, by
// official-oracle-parsers.test.ts.
const DIR = join(import.meta.dirname, '..', 'fixtures', 'official', 'nonpython');

interface Row {
  log: string;
  parser: string;
  status_map?: Record<string, string>;
  raises?: string;
}

for (const version of ['v4.1.0-726c546', 'main-7a21e05'] as HarnessVersion[]) {
  test(`${version}: gotest, cargo, jest, vitest and tap give the official status maps on the edge-case logs`, (t) => {
    const rows = readFileSync(join(DIR, `${version}.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
    assert.equal(rows.length, 6 * 5, 'every parser on every log');
    let equal = 0;
    for (const row of rows) {
      const log = readFileSync(join(DIR, 'logs', row.log), 'utf8');
      assert.equal(row.raises, undefined, 'the official parsers do not raise on these logs');
      assert.deepStrictEqual(getParser(row.parser, version)(log), row.status_map, `${row.parser} on ${row.log}`);
      equal++;
    }
    t.diagnostic(`${version}: ${equal}/${rows.length} equal`);
    // The short names env specs use resolve to the same functions.
    assert.equal(resolveParserName('gotest', version), 'gotest');
    assert.equal(resolveParserName('parse_log_cargo', version), 'cargo');
    assert.equal(resolveParserName('parse_log_tap', version), 'tap');
  });
}

test('the fork has no Go, Rust or JS parser; v4.1.0 picks them by repository as its MAP_REPO_TO_PARSER does', () => {
  assert.throws(() => resolveParserName('parse_log_gotest', 'fork-242429c'), /not a log parser of fork-242429c/);
  assert.throws(() => resolveParserName('cargo', 'fork-242429c'), /not a log parser of fork-242429c/);
  assert.equal(officialParserForRepo('v4.1.0-726c546', 'gin-gonic/gin'), 'gotest');
  assert.equal(officialParserForRepo('v4.1.0-726c546', 'tokio-rs/tokio'), 'cargo');
  assert.equal(officialParserForRepo('v4.1.0-726c546', 'babel/babel'), 'jest');
  assert.equal(officialParserForRepo('v4.1.0-726c546', 'vuejs/core'), 'vitest');
  assert.equal(officialParserForRepo('v4.1.0-726c546', 'axios/axios'), 'tap');
  assert.throws(() => resolveParserName('jest', 'fork-242429c'), /not a log parser of fork-242429c/);
  assert.equal(officialParserForRepo('fork-242429c', 'tokio-rs/tokio'), undefined);
});
