import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyToClipboard, osc52 } from '../../src/tui/clipboard.js';

test('OSC 52 carries the text base64-encoded; inside tmux it is wrapped to reach the outer terminal', () => {
  const cmd = "docker exec -it c0ffee bash -lc 'cd /testbed'";
  assert.equal(osc52(cmd), `\x1b]52;c;${Buffer.from(cmd).toString('base64')}\x07`);
  const out: string[] = [];
  const saved = process.env.TMUX;
  try {
    delete process.env.TMUX;
    copyToClipboard(cmd, { write: (s) => out.push(s) });
    process.env.TMUX = '/tmp/tmux-0/default,1,0';
    copyToClipboard(cmd, { write: (s) => out.push(s) });
  } finally {
    if (saved === undefined) delete process.env.TMUX;
    else process.env.TMUX = saved;
  }
  assert.equal(out[0], osc52(cmd));
  assert.equal(out[1], `\x1bPtmux;\x1b\x1b]52;c;${Buffer.from(cmd).toString('base64')}\x07\x1b\\`);
});
