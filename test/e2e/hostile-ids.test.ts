import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GymServer } from '../../src/core/gym/server.js';
import { createGymContext } from '../../src/core/gym/context.js';
import { EpisodeRecorder } from '../../src/core/gym/recorder.js';
import { DockerProvider } from '../../src/core/runtime/docker.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { rolloutId } from '../../src/core/session/ids.js';
import { runCli } from '../helpers/cli.js';

// Every hostile identifier of the reliability review (shared/reviews/reliability-2026-12-03.md, bugs 1, 6 and 9)
// through the real binary: exit 2 naming the file, the line and the field, nothing written, and no request to the
// listener an id tries to redirect the Docker API to. Through the Gym API: 400.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLE = readFileSync(join(ROOT, 'samples/tasks.jsonl'), 'utf8').split('\n')[0]!;

let dir: string;
let listener: Server;
let listenerPort: number;
const received: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swegym-e2e-hostile-'));
  // Stands in for any host an id could point the Docker API at (the review's 127.0.0.1:18765).
  listener = createServer((sock) => {
    sock.on('data', (d) => received.push(d.toString('latin1')));
    sock.end();
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  listenerPort = (listener.address() as { port: number }).port;
});
after(() => {
  listener.close();
  rmSync(dir, { recursive: true, force: true });
});

const swegym = (args: string[], cwd = ROOT) => runCli(args, { cwd });

function withId(id: string): string {
  const t = JSON.parse(SAMPLE) as Record<string, unknown>;
  t.instance_id = id;
  return JSON.stringify(t);
}

const hostile = (): Array<[string, string]> => [
  ['ssrf', `../../../../../127.0.0.1:${listenerPort}/SSRF__x-1`],
  ['escaped', '../../../ESCAPED__x-1'],
  ['slash', 'a/b__c-1'],
  ['space', 'a b__c-1'],
  ['shell', ';rm -rf x$(id)'],
  ['newline', 'a\nb__c-1'],
  ['dotdot', '..'],
  ['dot', '.'],
  ['esc', '\u001b[31mred__x-1'],
  ['percent', 'a%2F..__x-1'],
  ['query', 'a?b__x-1'],
  ['trailing-dash', 'a__b-'],
];

function assertBadInput(r: { code: number | null; stdout: string; stderr: string }, file: string, line: number, what: string) {
  assert.equal(r.code, 2, `${what}: exit code ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.ok(r.stderr.includes(`${file}:${line}`), `${what}: names file and line: ${r.stderr}`);
  assert.match(r.stderr, /field instance_id/, `${what}: names the field`);
  assert.doesNotMatch(r.stderr, /\n\s+at \S+ \(/, `${what}: no stack trace`);
  assert.doesNotMatch(r.stderr + r.stdout, /\u001b/, `${what}: no escape byte on the terminal`);
}

test('hostile instance ids: batch, verify, run and instances refuse them (exit 2, file:line:field), nothing written, no request leaves', async () => {
  for (const [tag, id] of hostile()) {
    // The hostile record is on line 2, after a valid one.
    const ds = join(dir, `${tag}.jsonl`);
    writeFileSync(ds, `${SAMPLE}\n${withId(id)}\n`);
    const sessions = join(dir, `sessions-${tag}`);
    // verify writes logs/ and its report into the working directory: a fresh one that must stay empty.
    const cwd = join(dir, `cwd-${tag}`);
    mkdirSync(cwd);
    const runs: Array<[string, string[]]> = [
      ['batch', ['batch', '--dataset', ds, '--agent', 'gold', '--sessions-dir', sessions, '--session', `s-${tag}`]],
      ['verify', ['verify', '--dataset', ds, '--predictions', 'gold']],
      ['run', ['run', '--dataset', ds, '--instance', 'swegym-samples__durations-12', '--agent', 'gold']],
      ['instances', ['instances', '--dataset', ds]],
    ];
    for (const [what, args] of runs) {
      const r = await swegym(args, cwd);
      assertBadInput(r, ds, 2, `${what} ${JSON.stringify(id)}`);
    }
    assert.equal(existsSync(sessions), false, `${tag}: no session folder`);
    assert.deepEqual(readdirSync(cwd), [], `${tag}: nothing written in the working directory`);
  }
  assert.deepEqual(received, [], 'no request reached the listener an id pointed at');
});

test('hostile ids on the command line (--instances) are refused before the dataset is used', async () => {
  for (const [, id] of hostile()) {
    const r = await swegym(['batch', '--dataset', 'samples', '--agent', 'gold', '--instances', id, '--sessions-dir', join(dir, 'cli-ids')]);
    assert.equal(r.code, 2, `${JSON.stringify(id)}: ${r.stderr}`);
    assert.match(r.stderr, /--instances/);
  }
  assert.equal(existsSync(join(dir, 'cli-ids')), false);
});

test('ids that differ only in case share an image: the second is a duplicate (file:line:field)', async () => {
  const ds = join(dir, 'case.jsonl');
  writeFileSync(ds, `${withId('Owner__repo-1')}\n${withId('owner__repo-1')}\n`);
  const r = await swegym(['instances', '--dataset', ds]);
  assert.equal(r.code, 2, r.stderr);
  assert.ok(r.stderr.includes(`${ds}:2: field instance_id: duplicate instance_id owner__repo-1`), r.stderr);
});

test('distinct ids never share a rollout log file (even ids that reach rolloutId without the loader check)', () => {
  const ids = ['a b__c-1', 'a/b__c-1', 'a_b__c-1', 'a\nb__c-1', '../a_b__c-1'];
  const files = ids.map((id) => rolloutId(id, 0, 0));
  assert.equal(new Set(files).size, ids.length, files.join(' '));
  for (const f of files) assert.match(f, /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, f);
  assert.equal(rolloutId('owner__repo-1', 2, 3), 'owner__repo-1.s2.a3', 'a valid id is used as it is');
});

test('hostile session names: batch, serve and import refuse them (exit 2) and write nothing outside --sessions-dir', async () => {
  const work = join(dir, 'names');
  mkdirSync(work);
  const sessions = join(work, 'sessions');
  const before = new Set(readdirSync(work));
  for (const name of ['..', '../x', 'a/b', '.', 'new\nline', '', 'a b', 'x;id', '-rf', '\u001b]0;title\u0007']) {
    for (const args of [
      ['batch', '--dataset', 'samples', '--agent', 'gold', '--instances', 'swegym-samples__ledger-8', '--session', name, '--sessions-dir', sessions],
      ['serve', '--session', name, '--sessions-dir', sessions, '--port', '0'],
      ['import', join(ROOT, 'test/fixtures/import/swegym-sampled-trajectories.jsonl'), '--format', 'swegym', '--session', name, '--sessions-dir', sessions],
    ]) {
      const r = await swegym(args, work);
      assert.equal(r.code, 2, `${args[0]} --session ${JSON.stringify(name)}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /--session/);
    }
  }
  assert.deepEqual(new Set(readdirSync(work)), before, 'nothing written in the working directory');
  assert.equal(existsSync(sessions), false, 'no session created');
  // Readers: a name that climbs out is refused too (exit 2), not resolved to the parent folder.
  const r = await swegym(['report', '../x', '--sessions-dir', sessions], work);
  assert.equal(r.code, 2, r.stderr);
});

test('Gym API: hostile instance ids are a 400 (never looked up), a malformed %-escape is a 400 (not 500)', async () => {
  const loaded = await loadTasks('samples');
  const recorder = EpisodeRecorder.openOrCreate(join(dir, 'gym-session'), { name: 'gym-hostile', datasetRef: 'samples', datasetSha: loaded.source.sha256, tasks: loaded.tasks, config: {} });
  const ctx = await createGymContext({
    tasks: loaded.tasks,
    provider: new DockerProvider(),
    specFor: () => {
      throw new Error('never reached');
    },
    images: async () => {
      throw new Error('never reached');
    },
    recorder,
  });
  const server = new GymServer({ ctx, host: '127.0.0.1', port: 0, maxEnvs: 1 });
  const { url } = await server.listen();
  try {
    for (const [, id] of hostile()) {
      const res = await fetch(`${url}/v1/envs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instance_id: id }) });
      assert.equal(res.status, 400, `${JSON.stringify(id)}: ${await res.text()}`);
      const pre = await fetch(`${url}/v1/pool/prefetch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instance_ids: [id] }) });
      assert.equal(pre.status, 400, `prefetch ${JSON.stringify(id)}`);
    }
    for (const path of ['/v1/envs/%E0%A4%A', '/v1/envs/%', '/v1/envs/%zz/step']) {
      const res = await fetch(url + path, { method: path.endsWith('step') ? 'POST' : 'GET' });
      assert.equal(res.status, 400, `${path}: ${await res.text()}`);
    }
  } finally {
    await server.close();
  }
  assert.deepEqual(received, []);
});
