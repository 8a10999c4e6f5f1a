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

const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
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
    await waitScreen(name, (x) => x.includes('filter:') && x.includes('/5 instances'), 'picker');
    typeText(name, 'ledger-15');
    await waitScreen(name, (x) => x.includes('1/5 instances'), 'filtered picker');
    await press(name, 'Enter');
    s = await waitScreen(name, (x) => x.includes(`Run ${INSTANCE} with`), 'agent chooser');
    assert.match(s, /gold/);
    await press(name, 'Enter');
    const live = await waitScreen(name, (x) => x.includes('verdict  RESOLVED'), 'a resolved verdict', 300_000);
    assert.match(live, /diff 1 file\(s\)/);
    assert.match(live, /diff --git a\/ledger\/rates\.py/);
    assert.match(live, /F2P 3\/3 {2}P2P 4\/4/);
    const lines = live.split('\n');
    assert.equal(lines.filter((l) => l !== '').length <= 24, true);

    await press(name, 'q', 'Escape');
    await waitScreen(name, (x) => x.includes('New run'), 'home again');
    await press(name, 'q');
    await waitScreen(name, (x) => x.includes('SWEGYM_EXIT=0'), 'a clean exit');
    // The terminal is back on the primary screen: nothing of the TUI remains on it.
    assert.ok(!screen(name).includes('New run'));
    const session = readdirSync(sessionsDir)[0];
    assert.ok(session, 'a session was written');
    const left = await new Dockerode().listContainers({ all: true, filters: { label: [`io.swegym.session=${session}`] } });
    assert.deepEqual(left.map((c) => c.Id), [], 'no container left behind');
    tmux('kill-session', '-t', name);

    start(name, sessionsDir);
    await waitScreen(name, (x) => x.includes(session), 'the session listed on home');
    await press(name, 'Down', 'Down', 'Enter');
    await waitScreen(name, (x) => x.includes(`session ${session}`), 'the session picker');
    typeText(name, 'ledger-15');
    s = await waitScreen(name, (x) => x.includes('1/5 instances'), 'filtered session picker');
    assert.match(s, /resolved/);
    await press(name, 'Enter');
    const replayed = await waitScreen(name, (x) => x.includes('verdict  RESOLVED'), 'the saved rollout');
    assert.deepEqual(replayed.split('\n').slice(1), live.split('\n').slice(1), 'the same rollout, pane for pane');
    await press(name, 'q', 'Escape', 'q');
    await waitScreen(name, (x) => x.includes('SWEGYM_EXIT=0'), 'a clean exit');
  } finally {
    spawnSync('tmux', ['kill-session', '-t', name], { stdio: 'ignore' });
    rmSync(sessionsDir, { recursive: true, force: true });
    rmSync(stderrFile, { force: true });
  }
});
