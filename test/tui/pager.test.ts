import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPager } from '../../src/tui/pager.js';

test('$PAGER gets a sanitised copy: no escape sequence from a log reaches the terminal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-pager-test-'));
  const log = join(dir, 'test_output.txt');
  writeFileSync(log, 'PASSED a::b\n\x1b]0;pwned\x07\x1b[2J\x1b[31mFAILED c::d\x1b[0m\n\x9b1;1H8-bit\n');
  const seen = mkdtempSync(join(tmpdir(), 'swegym-pager-seen-'));
  // A "pager" that copies what it was given, so the test can read exactly what a terminal would have received.
  const r = runPager(log, { PAGER: `cp -t ${seen}` });
  assert.equal(r.ok, true, r.error);
  const shown = readFileSync(join(seen, readdirSync(seen)[0]!), 'utf8');
  assert.equal(shown, 'PASSED a::b\nFAILED c::d\n8-bit\n');
  assert.doesNotMatch(shown, /[\x1b\x9b\x07]/);
  assert.match(readFileSync(log, 'utf8'), /\x1b\]0;pwned/, 'the original log is left as it was');
});
