import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleRootfs } from '../../src/core/runtime/base-image.js';
import { runCli } from '../helpers/cli.js';

// Review bug 9 (the smaller ones), through the real binary: a misspelled key in swegym.config.json, a bad
// SWEGYM_ENGINES and --seed 1.5 are exit 2 with a clear message, and no session folder is created.

const root = mkdtempSync(join(tmpdir(), 'swegym-strict-'));
after(() => rmSync(root, { recursive: true, force: true }));

const swegym = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { SWEGYM_ENGINES: '', ...env } });

const batch = (sessions: string) => ['batch', '--dataset', 'samples', '--agent', 'gold', '--instances', 'swegym-samples__ledger-8', '--session', 's', '--sessions-dir', sessions];

test('swegym.config.json: unknown keys are exit 2 naming file, line and field; no session', async () => {
  const cfg = join(root, 'swegym.config.json');
  writeFileSync(cfg, '{\n  "engines": [{"name": "local"}],\n  "imagedisk_budget_gb": 20\n}\n');
  const sessions = join(root, 'cfg-sessions');
  const r = await swegym(batch(sessions), { SWEGYM_CONFIG: cfg });
  assert.equal(r.code, 2, r.stderr);
  assert.ok(r.stderr.includes(`${cfg}:3: field imagedisk_budget_gb: unknown field`), r.stderr);
  writeFileSync(cfg, '{\n  "engines": [\n    {"name": "local", "hots": "unix:///x"}\n  ]\n}\n');
  const r2 = await swegym(batch(sessions), { SWEGYM_CONFIG: cfg });
  assert.equal(r2.code, 2, r2.stderr);
  assert.ok(r2.stderr.includes(`${cfg}:3: field engines[0].hots: unknown field`), r2.stderr);
  assert.equal(existsSync(sessions), false);
});

test('a bad SWEGYM_ENGINES is exit 2 before anything is written', async () => {
  const sessions = join(root, 'eng-sessions');
  for (const engines of ['ftp://x', 'not a url', 'a=gopher://h']) {
    const r = await swegym(batch(sessions), { SWEGYM_ENGINES: engines });
    assert.equal(r.code, 2, `${engines}: ${r.stderr}`);
    assert.match(r.stderr, /SWEGYM_ENGINES/);
  }
  assert.equal(existsSync(sessions), false, 'no session folder');
});

test('--seed must be an integer; --rollout-timeout positive', async () => {
  const sessions = join(root, 'seed-sessions');
  for (const extra of [['--seed', '1.5'], ['--seed', '-3'], ['--rollout-timeout', '0']]) {
    const r = await swegym([...batch(sessions), ...extra]);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(extra[0]!));
  }
  const r = await swegym(['run', '--dataset', 'samples', '--instance', 'swegym-samples__ledger-8', '--seed', '2.5']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(existsSync(sessions), false);
});

test('temp trees of killed debootstrap builds are removed by the next build; live ones are kept', () => {
  const tmp = join(root, 'tmp');
  mkdirSync(tmp);
  // A pid that is not running (pid_max is at most 2^22), and this process (alive).
  mkdirSync(join(tmp, `swegym-rootfs-${2 ** 22 + 11}-12345-abc`, 'usr'), { recursive: true });
  writeFileSync(join(tmp, `swegym-rootfs-${2 ** 22 + 11}-12345-abc`, 'usr', 'big'), 'x'.repeat(1000));
  mkdirSync(join(tmp, `swegym-rootfs-${process.pid}-0-def`));
  mkdirSync(join(tmp, 'swegym-rootfs-unnamed'));
  const lines: string[] = [];
  assert.equal(removeStaleRootfs((l) => lines.push(l), tmp), 1);
  assert.deepEqual(readdirSync(tmp).sort(), [`swegym-rootfs-${process.pid}-0-def`, 'swegym-rootfs-unnamed']);
  assert.match(lines[0]!, /left by a killed base image build/);
});
