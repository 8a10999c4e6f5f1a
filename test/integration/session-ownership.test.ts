import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';

// Review bugs 2 and 8 (shared/reviews/reliability-2026-12-03.md), on the real engine with the real binary:
// - a batch never removes containers of another live session that has the same name (or that a live process owns);
// - a SIGKILLed `swegym serve` leaves containers, and the next `serve` removes them before it starts.

const BIN = fileURLToPath(new URL('../../bin/swegym.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const docker = new Dockerode();
const root = mkdtempSync(join(tmpdir(), 'swegym-ownership-'));
const children: ChildProcess[] = [];

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  const left = await docker.listContainers({ all: true, filters: { label: [`io.swegym.test-owner=${process.pid}`] } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  rmSync(root, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Another live process that owns a container labelled the way a session named `name` labels its containers (the
 * name as session label, as before session ids, and as a copied session folder would). It stays alive until killed.
 */
async function liveOwner(name: string): Promise<{ child: ChildProcess; container: string }> {
  const script = `
    import Dockerode from 'dockerode';
    const d = new Dockerode();
    const c = await d.createContainer({ Image: 'swegym-base:dev', Entrypoint: ['tail'], Cmd: ['-f', '/dev/null'],
      Labels: { 'io.swegym.managed': '1', 'io.swegym.session': ${JSON.stringify(name)}, 'io.swegym.pid': String(process.pid),
                'io.swegym.host': (await import('node:os')).hostname(), 'io.swegym.test-owner': '${process.pid}' },
      HostConfig: { NetworkMode: 'none' } });
    await c.start();
    console.log(c.id);
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const id = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      buf += c;
      if (buf.includes('\n')) resolve(buf.trim());
    });
    child.on('exit', (code) => reject(new Error(`owner exited ${code}`)));
  });
  return { child, container: id };
}

async function exists(id: string): Promise<boolean> {
  return docker.getContainer(id).inspect().then(() => true, () => false);
}

test('a batch never sweeps the containers of another live session with the same name', async () => {
  const owner = await liveOwner('same');
  const r = await run(['batch', '--dataset', 'samples', '--agent', 'gold', '--instances', 'swegym-samples__ledger-8', '--session', 'same', '--sessions-dir', join(root, 'B')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /Removed \d+ leftover/);
  assert.equal(await exists(owner.container), true, "the other session's container is still there");
  // Containers carry the session's unique id and its name; the id is in the manifest.
  const manifest = JSON.parse(readFileSync(join(root, 'B', 'same', 'manifest.json'), 'utf8')) as { session_id?: string };
  assert.match(manifest.session_id ?? '', /^[0-9a-f-]{36}$/);
  owner.child.kill('SIGKILL');
  await docker.getContainer(owner.container).remove({ force: true });
});

test('SIGKILLed serve: its containers are removed when the next serve starts', async () => {
  const sessions = join(root, 'gym');
  // Port 0: the system picks a free one (a fixed port may be taken on a shared or CI machine); the server prints it.
  const serve = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--sessions-dir', sessions, '--session', 'gym-a', '--pool-size', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(serve);
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    serve.stdout!.setEncoding('utf8').on('data', (c: string) => {
      buf += c;
      const m = /gym server on (http:\/\/\S+)/.exec(buf);
      if (m) resolve(m[1]!.replace(/\/$/, ''));
    });
    serve.on('exit', (code) => reject(new Error(`serve exited ${code}: ${buf}`)));
  });
  const res = await fetch(`${url}/v1/envs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instance_id: 'swegym-samples__ledger-8' }) });
  assert.equal(res.status, 201, await res.text());
  const mine = async (pid: number) => (await docker.listContainers({ all: true, filters: { label: [`io.swegym.pid=${pid}`] } })).map((c) => c.Id);
  const leaked = await mine(serve.pid!);
  assert.ok(leaked.length >= 1, 'the server has a container');
  serve.kill('SIGKILL');
  await new Promise((r) => serve.once('exit', r));
  assert.deepEqual((await Promise.all(leaked.map(exists))).every(Boolean), true, 'SIGKILL left them (nothing could remove them)');

  // The next serve, another session: removes them before serving.
  const next = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--sessions-dir', sessions, '--session', 'gym-b', '--pool-size', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(next);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    next.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (out.includes('gym server on')) resolve();
    });
    next.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  assert.match(out, new RegExp(`removed ${leaked.length} leftover container`));
  assert.deepEqual((await Promise.all(leaked.map(exists))).some(Boolean), false, 'no leaked container left');
  next.kill('SIGTERM');
  await new Promise((r) => next.once('exit', r));
});
