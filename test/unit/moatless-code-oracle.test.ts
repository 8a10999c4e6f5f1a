/**
 * Our port of the Moatless code-block parser against the oracle: what the fork's own Python code returned on 15 files
 * (test/fixtures/moatless-oracle, see its PROVENANCE.md). Every block of the tree (all fields), every span, the
 * related span ids, the errors and the to_string round trip must be equal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModule } from '../../src/core/code/index.js';
import {
  ORACLE_DIR, blockToOracle, errorsToOracle, oracleFiles, relatedToOracle, renderLikeOracle, spanToOracle,
} from '../helpers/moatless-oracle.js';

const files = oracleFiles();

test('the oracle holds the 15 files the README describes', () => {
  assert.equal(files.length, 15);
  for (const f of files) assert.equal(readFileSync(join(ORACLE_DIR, 'inputs', f.file_path), 'utf8'), f.source, f.file_path);
});

for (const f of files) {
  test(`parser equals the fork on ${f.file_path}`, () => {
    const m = parseModule(f.source);
    assert.deepEqual([...m.spansById.values()].map(spanToOracle), f.spans, 'spans (creation order, all fields)');
    assert.deepEqual(blockToOracle(m), f.module, 'block tree');
    assert.deepEqual(relatedToOracle(m), f.related_span_ids, 'find_related_span_ids');
    assert.deepEqual(errorsToOracle(m), f.errors, 'find_errors');
    assert.deepEqual(m.findValidationErrors(), f.validation_errors, 'find_validation_errors');
    assert.equal(m.toString() === f.source, f.to_string_roundtrip_equal, 'to_string round trip');
  });
}

for (const f of files) {
  test(`create_prompt equals the fork on every render of ${f.file_path}`, () => {
    assert.equal(f.renders.length, 15);
    for (const r of f.renders) {
      const { context, output } = renderLikeOracle(f, r);
      const spans = context.contextFiles.flatMap((cf) => cf.spans.map((s) => ({ span_id: s.spanId, tokens: s.tokens })));
      assert.deepEqual(spans, r.context_spans, `${r.name}: context spans`);
      assert.equal(output, r.output, `${r.name}: rendered prompt`);
    }
  });
}
