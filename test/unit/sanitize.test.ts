import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sanitize, terminalSafeJson } from '../../src/core/util/sanitize.js';

// Anything a terminal acts on: ESC, BEL, C0 controls but \t and \n, DEL and the C1 range.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

const cases: [string, string, string][] = [
  ['OSC title ended by BEL', 'a\x1b]0;pwn\x07b', 'ab'],
  ['OSC title ended by ST (ESC \\)', 'a\x1b]0;pwn\x1b\\b', 'ab'],
  ['OSC 8 hyperlink keeps only its text', 'a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b', 'alinkb'],
  ['OSC ended by 8-bit ST', 'a\x1b]2;t\x9cb', 'ab'],
  ['unterminated OSC runs to the end', 'a\x1b]0;pwn and the rest', 'a'],
  ['DCS string (sixel) ended by ST', 'a\x1bPq#0;2;0;0;0\x1b\\b', 'ab'],
  ['DCS DECRQSS', 'a\x1bP$qm\x1b\\b', 'ab'],
  ['APC, PM and SOS strings', 'a\x1b_apc\x1b\\b\x1b^pm\x1b\\c\x1bXsos\x1b\\d', 'abcd'],
  ['8-bit C1 CSI clear screen', 'a\x9b2Jb', 'ab'],
  ['8-bit OSC and DCS ended by 8-bit ST', 'a\x9d0;t\x9cb\x90qdata\x9cc', 'abc'],
  ['CSI clear screen and cursor home', '\x1b[2J\x1b[Hx', 'x'],
  ['CSI cursor moves with parameters', 'a\x1b[10;20Hb\x1b[3Ac\x1b[?1049hd', 'abcd'],
  ['SGR truecolour', 'a\x1b[38;2;1;2;3mb\x1b[0m', 'ab'],
  ['CSI with an intermediate byte', 'a\x1b[1 qb', 'ab'],
  ['charset designation and DEC tests', 'a\x1b(0b\x1b#8c', 'abc'],
  ['keypad modes', 'a\x1b=b\x1b>', 'ab'],
  ['lone ESC at the end', 'ab\x1b', 'ab'],
  ['ESC [ at the end (truncated CSI)', 'ab\x1b[', 'ab'],
  ['ESC [ with parameters at the end', 'ab\x1b[12;', 'ab'],
  ['BEL, backspace, DEL, NUL', 'a\x07b\x08c\x7fd\x00e', 'abcde'],
  ['carriage returns become newlines', 'a\rb\r\nc', 'a\nb\nc'],
  ['tabs and newlines stay', 'a\tb\nc', 'a\tb\nc'],
  ['plain unicode untouched', 'héllo — 日本 ✓', 'héllo — 日本 ✓'],
];

for (const [name, input, want] of cases) {
  test(`sanitize: ${name}`, () => {
    const got = sanitize(input);
    assert.equal(got, want);
    assert.equal(CONTROL.test(got), false);
  });
}

test('sanitize: stripping cannot assemble a new sequence out of the pieces', () => {
  for (const input of ['\x1b\x1b[[2J', '\x1b[\x1b[31m', '\x1b]\x1b]0;x\x07\x07', '\x1b\x9b2J', '\x9b\x1b[2J', '\x1bP\x1b\\\\']) {
    assert.equal(CONTROL.test(sanitize(input)), false, JSON.stringify(input));
  }
});

test('sanitize: no control character survives any two-character mix of controls and printable bytes', () => {
  // Every ordered pair over the interesting alphabet, framed by text: a cheap exhaustive check of the invariant.
  const alphabet = ['\x1b', '[', ']', 'P', '\\', '\x07', '\x9b', '\x9c', '\x9d', '\x90', '\r', '\n', '\x00', '\x7f', '0', ';', 'm', '?'];
  for (const a of alphabet) for (const b of alphabet) for (const c of alphabet) {
    const out = sanitize(`x${a}${b}${c}y`);
    assert.equal(CONTROL.test(out), false, JSON.stringify(a + b + c));
  }
});

test('terminalSafeJson: DEL and C1 controls escaped, the value unchanged', () => {
  const value = { s: 'a\x9b2J\x1b[2J\x7f\x9d0;t\x9c\u00a0é', n: [1, '\x85'] };
  for (const text of [terminalSafeJson(value), terminalSafeJson(value, 2)]) {
    assert.equal(CONTROL.test(text.replace(/\n/g, '')), false, text);
    assert.deepEqual(JSON.parse(text), value);
  }
  assert.ok(terminalSafeJson('\x9b').includes('\\u009b'));
});
