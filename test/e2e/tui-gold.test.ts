/**
 * End to end: the real `swegym` binary in tmux (send-keys / capture-pane), on the bundled samples with no API key,
 * the real Docker engine, the gold agent and the real harness. Open the picker, filter to a sample task, run gold,
 * see the diff and a resolved verdict, quit; start again, reopen the session from Home, see the same rollout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Dockerode from 'dockerode';

const ROOT = resolve(import.meta.dirname, '../..');
const INSTANCE = 'swegym-samples__ledger-15';

const have = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const skip = !have('tmux', ['-V']) ? 'tmux is not installed' : !have('docker', ['info']) ? 'no Docker engine' : false;

// A private tmux server per run: never touches anyone else's sessions, and killing a session cannot race a shared server.
const SOCKET = `swegym-e2e-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = (name: string) => tmux('capture-pane', '-p', '-t', name);
const keys = (name: string, ...k: string[]) => tmux('send-keys', '-t', name, ...k);
const typeText = (name: string, text: string) => tmux('send-keys', '-t', name, '-l', text);

async function waitScreen(name: string, pred: (s: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
  const t0 = Date.now();
  let s = '';
  while (Date.now() - t0 < timeoutMs) {
    s = screen(name);
    if (pred(s)) {
      await new Promise((r) => setTimeout(r, 150));
      return screen(name);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${s}\nstderr:\n${stderrText()}`);
}

let stderrFile = '';
function start(name: string, sessionsDir: string): void {
  stderrFile = `${sessionsDir}.stderr`;
  const cmd = `cd ${ROOT} && ${process.execPath} bin/swegym.js tui --dataset samples --sessions-dir ${sessionsDir} 2>>${stderrFile}; echo SWEGYM_EXIT=$?; sleep 300`;
  tmux('new-session', '-d', '-s', name, '-x', '80', '-y', '24', '-e', 'OPENAI_API_KEY=', '-e', 'SWEGYM_DEBUG=1', '-e', `PATH=${process.env.PATH}`, cmd);
}

function stderrText(): string {
  try {
    return readFileSync(stderrFile, 'utf8').replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');
  } catch {
    return '';
  }
}

/** Ends a session and waits until its server is gone (the next start makes a fresh one). */
async function killSession(name: string): Promise<void> {
  spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', name], { stdio: 'ignore' });
  for (let i = 0; i < 50 && spawnSync('tmux', ['-L', SOCKET, 'has-session'], { stdio: 'ignore' }).status === 0; i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 200));
}

const press = async (name: string, ...k: string[]) => {
  for (const x of k) {
    keys(name, x);
    await new Promise((r) => setTimeout(r, 250));
  }
};

test('swegym tui: pick a sample, run gold, see diff and verdict, quit, reopen the session and see the same rollout', { skip, timeout: 600_000 }, async () => {
  const sessionsDir = mkdtempSync(join(tmpdir(), 'swegym-tui-e2e-'));
  const name = `swegym-e2e-${process.pid}`;
  try {
    start(name, sessionsDir);
    let s = await waitScreen(name, (x) => x.includes('New run'), 'home');
    assert.match(s, /OPENAI_API_KEY/, 'home says how to point at a model');
    await press(name, 'Enter');
    await waitScreen(name, (x) => x.includes('filter:') && x.includes('of 5 instances'), 'picker');
    // k9s style: / opens the filter, so letters typed without it are keys, not filter text.
    await press(name, '/');
    typeText(name, 'ledger-15');
    s = await waitScreen(name, (x) => x.includes('1 of 1 (of 5) instances'), 'filtered picker');
    assert.match(s.trimEnd().split('\n').at(-1)!, / q back /, 'the picker status bar offers the key that goes back there');
    await press(name, 'Enter', 'Enter'); // keep the filter, then open the instance
    s = await waitScreen(name, (x) => x.includes(`Run ${INSTANCE} with`), 'agent chooser');
    assert.match(s, /gold/);
    await press(name, 'Enter');
    const live = await waitScreen(name, (x) => x.includes('verdict  RESOLVED'), 'a resolved verdict', 300_000);
    assert.match(live, /diff 1 file\(s\)/);
    assert.match(live, /diff --git a\/ledger\/rates\.py/);
    assert.match(live, /F2P 3\/3 {2}P2P 4\/4/);
    // The gold agent edits with str_replace_editor: shown as "command path", never as raw JSON in any pane.
    assert.ok(!live.includes('{"command"'), 'no raw JSON tool arguments on screen');
    const lines = live.split('\n');
    assert.equal(lines.filter((l) => l !== '').length <= 24, true);

    await press(name, 'q', 'Escape', 'Escape'); // rollout -> picker, clear the kept filter, home
    await waitScreen(name, (x) => x.includes('New run'), 'home again');
    await press(name, 'q');
    await waitScreen(name, (x) => x.includes('SWEGYM_EXIT=0'), 'a clean exit');
    // The terminal is back on the primary screen: nothing of the TUI remains on it.
    assert.ok(!screen(name).includes('New run'));
    const session = readdirSync(sessionsDir)[0];
    assert.ok(session, 'a session was written');
    const left = await new Dockerode().listContainers({ all: true, filters: { label: [`io.swegym.session=${session}`] } });
    assert.deepEqual(left.map((c) => c.Id), [], 'no container left behind');
    await killSession(name);

    start(name, sessionsDir);
    await waitScreen(name, (x) => x.includes(session), 'the session listed on home');
    await press(name, 'Down', 'Down', 'Enter');
    await waitScreen(name, (x) => x.includes(`session ${session}`), 'the session picker');
    await press(name, '/');
    typeText(name, 'ledger-15');
    s = await waitScreen(name, (x) => x.includes('1 of 1 (of 5) instances'), 'filtered session picker');
    assert.match(s, /resolved/);
    await press(name, 'Enter', 'Enter');
    const replayed = await waitScreen(name, (x) => x.includes('verdict  RESOLVED'), 'the saved rollout');
    assert.deepEqual(replayed.split('\n').slice(1), live.split('\n').slice(1), 'the same rollout, pane for pane');
    // Redraws to the new size when the terminal is resized: the layout fills exactly the new rows.
    tmux('resize-window', '-t', name, '-x', '100', '-y', '30');
    const big = await waitScreen(name, (x) => x.split('\n')[29]?.includes('rollout') ?? false, 'a redraw at 100x30');
    assert.match(big.split('\n')[0], /RESOLVED/);
    assert.match(big, /verdict {2}RESOLVED/);
    await press(name, 'q', 'Escape', 'Escape', 'q');
    await waitScreen(name, (x) => x.includes('SWEGYM_EXIT=0'), 'a clean exit');
    await killSession(name);

    // Ctrl-C quits from anywhere and restores the terminal.
    start(name, sessionsDir);
    await waitScreen(name, (x) => x.includes(session), 'home');
    await press(name, 'Enter');
    await waitScreen(name, (x) => x.includes('filter:'), 'picker');
    keys(name, 'C-c');
    await waitScreen(name, (x) => x.includes('SWEGYM_EXIT=0') && !x.includes('filter:'), 'exit on Ctrl-C');

    // Not a TTY: the same events as plain lines, no escape sequences.
    const plain = spawnSync(process.execPath, ['bin/swegym.js', 'tui', '--dataset', 'samples', '--sessions-dir', sessionsDir, '--session', session], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, OPENAI_API_KEY: '' } });
    assert.equal(plain.status, 0, plain.stderr);
    assert.match(plain.stdout, new RegExp(`== rollout .*${INSTANCE}`));
    assert.match(plain.stdout, /RESOLVED/i);
    assert.match(plain.stdout, /1\/1 resolved/);
    assert.ok(!plain.stdout.includes('\x1b'), 'no escape sequences in plain output');
  } finally {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, SOCKET), { force: true });
    rmSync(sessionsDir, { recursive: true, force: true });
    rmSync(stderrFile, { force: true });
  }
});
