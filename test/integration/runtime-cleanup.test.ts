import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { leftoverContainers, TEST_IMAGE, TEST_LABEL, uniqueId } from '../helpers/docker.js';

const root = join(import.meta.dirname, '..', '..');

/** A child process that starts a container with the cleanup handlers installed, then waits or crashes. */
function child(run: string, mode: 'wait' | 'crash' | 'exit' | 'natural') {
  const script = `
    import { DockerProvider, installCleanupHandlers } from './src/core/runtime/docker.ts';
    installCleanupHandlers({ exitOnSignal: true });
    const p = new DockerProvider({ sessionId: ${JSON.stringify(run)} });
    const rt = await p.start({ image: ${JSON.stringify(TEST_IMAGE)}, labels: { ${JSON.stringify(TEST_LABEL)}: ${JSON.stringify(run)} } });
    console.log('started ' + rt.id);
    if (${JSON.stringify(mode)} === 'crash') setTimeout(() => { throw new Error('boom'); }, 50);
    else if (${JSON.stringify(mode)} === 'exit') setTimeout(() => process.exit(0), 50);
    else if (${JSON.stringify(mode)} === 'natural') await rt.exec('true');
    else setInterval(() => {}, 1000);
  `;
  const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (c) => (out += c));
  p.stderr.on('data', (c) => (err += c));
  const started = new Promise<void>((resolve, reject) => {
    p.stdout.on('data', () => out.includes('started') && resolve());
    p.on('exit', () => (out.includes('started') ? resolve() : reject(new Error(`child exited early: ${err}`))));
  });
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  return { p, started, exited, stderr: () => err };
}

for (const mode of ['SIGINT', 'SIGTERM', 'crash', 'exit', 'natural'] as const) {
  test(`live containers are removed on ${mode}`, async () => {
    const run = uniqueId(`rt-cleanup-${mode.toLowerCase()}`);
    const c = child(run, mode === 'SIGINT' || mode === 'SIGTERM' ? 'wait' : mode);
    await c.started;
    if (mode === 'SIGINT' || mode === 'SIGTERM') {
      assert.equal((await leftoverContainers({ [TEST_LABEL]: run })).length, 1, 'the container exists while the process runs');
      c.p.kill(mode);
    }
    const code = await c.exited;
    if (mode === 'SIGINT') assert.equal(code, 130);
    if (mode === 'SIGTERM') assert.equal(code, 143);
    if (mode === 'crash') assert.equal(code, 1);
    if (mode === 'exit' || mode === 'natural') assert.equal(code, 0);
    assert.deepEqual(await leftoverContainers({ [TEST_LABEL]: run }), [], `${mode}: container left behind; child stderr: ${c.stderr()}`);
  });
}
