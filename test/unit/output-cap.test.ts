import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputCap } from '../../src/core/runtime/output-cap.js';
import { seededRandom } from '../../src/core/util/rng.js';

/** The cap's meaning, written out plainly: the first ceil(max/2) and the last floor(max/2) characters. */
function reference(text: string, max: number): { output: string; omittedChars: number } {
  const h = Math.ceil(max / 2);
  const t = max - h;
  if (text.length <= max) return { output: text, omittedChars: 0 };
  const omitted = text.length - max;
  return { output: text.slice(0, h) + `\n[... ${omitted} characters omitted ...]\n` + (t ? text.slice(text.length - t) : ''), omittedChars: omitted };
}

test('head and tail kept, the middle counted: the same as the plain definition for random chunkings', () => {
  const rand = seededRandom(7);
  for (let round = 0; round < 300; round++) {
    const max = Math.floor(rand() * 50);
    const parts: string[] = [];
    const n = Math.floor(rand() * 12);
    for (let i = 0; i < n; i++) parts.push(String.fromCharCode(97 + i).repeat(Math.floor(rand() * 40)));
    const cap = new OutputCap(max);
    for (const p of parts) cap.push(p);
    assert.deepEqual(cap.result(), reference(parts.join(''), max), `max ${max} parts ${parts.map((p) => p.length)}`);
  }
});

test('a chunk larger than the tail replaces it; counts stay exact over many chunks', () => {
  const cap = new OutputCap(64 * 1024);
  const chunk = 'x'.repeat(4096);
  for (let i = 0; i < 1000; i++) cap.push(chunk);
  cap.push('y'.repeat(100_000));
  const r = cap.result();
  assert.equal(r.omittedChars, 4096 * 1000 + 100_000 - 64 * 1024);
  assert.ok(r.output.endsWith('y'.repeat(32 * 1024)));
});
