import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Review bug 5: `swegym batch ... | head -1` exited 0 mid-batch, rollouts left 'running', containers left. A closed
// stdout now leaves the batch running to its end without progress output (as `batch --help` says).

const BIN = fileURLToPath(new URL('../../bin/swegym.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'swegym-epipe-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('batch | head -1: the batch finishes every rollout, exits 0 only when done, leaves no container', async () => {
  const sessions = join(root, 'sessions');
  const child = spawn(process.execPath, [BIN, 'batch', '--dataset', 'samples', '--agent', 'gold', '--instances', 'swegym-samples__ledger-8,swegym-samples__durations-12', '--samples', '2', '--session', 'p', '--sessions-dir', sessions], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  // Like `head -1`: read the first line, then close the pipe.
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const report = JSON.parse(execFileSync(process.execPath, [BIN, 'report', 'p', '--json', '--sessions-dir', sessions], { cwd: ROOT, encoding: 'utf8' })) as Record<string, any>;
  assert.equal(report.rollouts.total, 4);
  assert.equal(report.rollouts.completed, 4, `every rollout ran: ${JSON.stringify(report.rollouts)}`);
  assert.equal(report.rollouts.running, 0);
  const left = execFileSync('docker', ['ps', '-aq', '--filter', 'label=io.swegym.session-name=p'], { encoding: 'utf8' }).trim();
  assert.equal(left, '', 'no container left');
});
