/**
 * Offline honesty for sessions (issue 12): `swegym batch`, `swegym resume` and the workbench refuse to start when an
 * environment would have to be built offline without the install steps its spec needs, as run and verify do: exit 2
 * (an error in the workbench) before a session or container exists, naming the steps and the ways out.
 *
 * The records are SWE-Gym's getmoto/moto 5.0 under the built-in specs (Python 3.12, `make init`), with a base commit
 * no repository has: nothing may be cloned or built for them. The engine is only asked whether images exist, plus
 * one pull from a closed loopback port (the registry that cannot be reached).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchCommand } from '../../src/cli/commands/batch.js';
import { resumeCommand } from '../../src/cli/commands/resume.js';
import { SessionWriter } from '../../src/core/session/index.js';
import { CoreBackend } from '../../src/tui/core-backend.js';
import { SAMPLE_TASKS_FILE } from '../../src/core/dataset/samples.js';
import type { TaskInfo } from '../../src/tui/panes/lines.js';

const root = mkdtempSync(join(tmpdir(), 'offline-preflight-'));
after(() => rmSync(root, { recursive: true, force: true }));
const stamp = `${process.pid}${Date.now().toString(36)}`;
// No configured remote engines: the local one only, whatever the machine's environment says.
const env = { ...process.env, SWEGYM_ENGINES: '' };
process.env.SWEGYM_ENGINES = '';

const sample = JSON.parse(readFileSync(SAMPLE_TASKS_FILE, 'utf8').split('\n').find((l) => l.includes('"swegym-samples__ledger-8"'))!) as Record<string, unknown>;
const ids = [`getmoto__moto-pre${stamp}a`, `getmoto__moto-pre${stamp}b`];
const dataset = join(root, 'moto.jsonl');
writeFileSync(dataset, ids.map((id) => JSON.stringify({ ...sample, instance_id: id, repo: 'getmoto/moto', version: '5.0', base_commit: 'f'.repeat(40) })).join('\n') + '\n');

function capture() {
  const lines: string[] = [];
  return { lines, io: { out: (l: string) => void lines.push(l), err: (l: string) => void lines.push(l), signals: false } };
}

function assertNamesGaps(text: string) {
  assert.match(text, /an offline build cannot do these install steps/);
  assert.match(text, /getmoto\/moto 5\.0 \(2 instances/);
  assert.match(text, /- python: Python 3\.12/);
  assert.match(text, /- install: "make init" needs the network/);
  assert.match(text, /--image-template/);
  assert.match(text, /--allow-partial-env/);
}

/** A loopback port nothing listens on: a registry there cannot be reached (connection refused). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('batch --offline with the built-in specs: exit 2 naming the missing install steps, no session created', async () => {
  const sessions = join(root, 'sessions-offline');
  const c = capture();
  const code = await batchCommand({ dataset, agent: 'gold', offline: true, session: 's1', sessionsDir: sessions, io: c.io });
  const text = c.lines.join('\n');
  assert.equal(code, 2, text);
  assert.match(text, /^swegym batch: /);
  assertNamesGaps(text);
  assert.equal(existsSync(join(sessions, 's1')), false, 'no session was written');
});

test('batch without --offline: the pull is tried first, and a registry that cannot be reached makes it the same exit 2', async () => {
  const sessions = join(root, 'sessions-pull');
  const c = capture();
  const port = await closedPort();
  const code = await batchCommand({ dataset, agent: 'gold', imageTemplate: `127.0.0.1:${port}/`, imageNaming: 'none', session: 's2', sessionsDir: sessions, io: c.io });
  const text = c.lines.join('\n');
  assert.equal(code, 2, text);
  assert.match(text, new RegExp(`registry 127\\.0\\.0\\.1:${port} cannot be reached`), 'the pull was tried');
  assertNamesGaps(text);
  assert.equal(existsSync(join(sessions, 's2')), false, 'no session was written');
});

test('resume of a session whose environments can no longer be built offline: exit 2, nothing run', async () => {
  const dir = join(root, 'sessions-resume', 'r1');
  // The session as `swegym batch --offline --env-spec spec.json` left it (nothing run yet); then the spec file was
  // edited to install from pip.
  const spec = join(root, 'spec.json');
  writeFileSync(spec, JSON.stringify({ source: 'offline-preflight test', repos: { 'getmoto/moto': { '5.0': { python: '3.9', pip_packages: ['werkzeug==2.3.7'], test_cmd: 'pytest -rA', parser: 'pytest' } } } }, null, 2));
  const w = SessionWriter.create(dir, {
    name: 'r1',
    swegym_version: 'test',
    dataset: { ref: dataset, instance_ids: ids },
    images: {},
    agent: { kind: 'gold' },
    sampling: { samples: 1, temperatures: [0], seed: 0 },
    scheduler: { agent: 'gold', concurrency: 1, offline: true, env_spec_files: [spec] },
  });
  w.close();
  const c = capture();
  const code = await resumeCommand({ session: dir, io: c.io });
  const text = c.lines.join('\n');
  assert.equal(code, 2, text);
  assert.match(text, /swegym resume: an offline build cannot do these install steps/);
  assert.match(text, /- python: Python 3\.9/);
  assert.match(text, /- pip_packages: pip packages: werkzeug==2\.3\.7/);
  assert.deepEqual(readdirSync(join(dir, 'rollouts')), [], 'no rollout was started');
});

test('the workbench: starting a batch or a rollout offline is refused with the same text, before a session exists', async () => {
  const sessions = join(root, 'sessions-tui');
  const backend = new CoreBackend({ dataset, sessionsDir: sessions, env, settings: { offline: true } });
  const tasks = (await backend.tasks()) as TaskInfo[];
  assert.equal(tasks.length, 2);
  await assert.rejects(backend.startBatch(tasks, 'gold', () => undefined), (e: Error) => (assertNamesGaps(e.message), true));
  await assert.rejects(backend.startRollout(tasks[0]!, 'gold', () => undefined), /getmoto\/moto 5\.0 \(1 instance/);
  assert.equal(existsSync(sessions) ? readdirSync(sessions).length : 0, 0, 'no session was created');
  await backend.shutdown('stop');
});
