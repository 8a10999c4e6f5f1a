/** The real `swegym` binary (bin/swegym.js): listing, headless verification, and Ctrl-C in the middle of it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';
import { SAMPLE_TASKS_FILE } from '../../src/core/dataset/samples.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'swegym.js');
const cwd = mkdtempSync(join(tmpdir(), 'swegym-e2e-verify-'));
test.after(() => rmSync(cwd, { recursive: true, force: true }));
const docker = new Dockerode();
const swegym = (...args: string[]) => promisify(execFile)(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
const ownedBy = async (pid: number) =>
  (await docker.listContainers({ all: true, filters: { label: ['io.swegym.managed=1', `io.swegym.pid=${pid}`] } })).map((c) => c.Id);

test('swegym instances --dataset samples --ids: one instance id a line, nothing else', async () => {
  const { stdout } = await swegym('instances', '--dataset', 'samples', '--ids');
  const want = readFileSync(SAMPLE_TASKS_FILE, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l).instance_id as string);
  assert.equal(stdout, want.map((id) => `${id}\n`).join(''));
  const filtered = await swegym('instances', '--dataset', 'samples', '--ids', '--regex', 'ledger-(8|21)$');
  assert.equal(filtered.stdout, 'swegym-samples__ledger-8\nswegym-samples__ledger-21\n');
});

test('swegym verify through the binary, not on a TTY: plain progress lines and the harness summary', async () => {
  const { stdout, stderr } = await swegym('verify', '--dataset', 'samples', '--predictions', 'gold', '--instances', 'swegym-samples__ledger-21', '--run-id', 'e2e');
  assert.match(stderr, /^\[1\/1\] swegym-samples__ledger-21: resolved /m);
  assert.doesNotMatch(stderr, /\x1b\[|\r/, 'no bar or control sequences when stderr is not a terminal');
  assert.match(stdout, /Instances resolved: 1\n/);
  assert.equal(JSON.parse(readFileSync(join(cwd, 'gold.e2e.json'), 'utf8')).resolved_ids[0], 'swegym-samples__ledger-21');
});

test('Ctrl-C during swegym verify removes its container and exits 130', async () => {
  // A test command that sleeps first, so the verification container is surely alive when SIGINT arrives.
  const spec = join(cwd, 'slow-spec.json');
  writeFileSync(spec, JSON.stringify({ source: 'e2e: slow tests', repos: { 'swegym-samples/ledger': { '0.1': { python: '3.11', test_cmd: 'sleep 60; pytest -rA', parser: 'pytest', activate: [], base_packages: ['python3', 'python3-pytest', 'git', 'patch', 'procps'] } } } }));
  const child = spawn(process.execPath, [BIN, 'verify', '--dataset', 'samples', '--predictions', 'gold', '--instances', 'swegym-samples__ledger-8', '--env-spec', spec, '--run-id', 'e2e-sigint'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    let seen: string[] = [];
    for (let i = 0; i < 600 && seen.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await ownedBy(child.pid!);
    }
    assert.equal(seen.length, 1, `the verification container never appeared; stderr: ${err}`);
    await new Promise((r) => setTimeout(r, 500)); // let the eval script reach the sleeping test command
    child.kill('SIGINT');
    assert.equal(await exited, 130, err);
    assert.match(err, /removed 1 container/);
    assert.deepEqual(await ownedBy(child.pid!), [], 'no container of the interrupted run remains');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    const left = await ownedBy(child.pid!);
    await Promise.all(left.map((id) => docker.getContainer(id).remove({ force: true }).catch(() => undefined)));
  }
});
