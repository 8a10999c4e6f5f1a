import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTasks } from '../../src/core/dataset/load.js';
import { SAMPLE_TASKS_FILE } from '../../src/core/dataset/samples.js';
import { startScriptedServer, type ScriptedServer, type Step } from '../helpers/scripted-openai-server.js';
import { SCRIPTED_INSTANCE, scriptedFixReplies } from '../integration/rollout-scripted.js';

// One end-to-end check across commands: the real binary runs `run --agent llm`, `batch --agent llm` and
// `score --verifier llm` against a scripted endpoint that echoes the API key back in its error bodies (401 and 500),
// as some servers do. The key (unique per run, named through `apiKeyEnv` in a --config file) must reach the server
// and nothing else: no file under the session dir, no log under logs/, not stdout, not stderr.

const BIN = fileURLToPath(new URL('../../bin/swegym.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEY = `sk-secrets-e2e-${randomBytes(12).toString('hex')}`;
const KEY_ENV = 'SWEGYM_SECRETS_E2E_KEY';
let dir: string;
const outputs: { what: string; text: string }[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swegym-e2e-secrets-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function swegym(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env, [KEY_ENV]: KEY };
  delete env.OPENAI_API_KEY; // the key must travel only through apiKeyEnv
  return new Promise((resolve, reject) => {
    // cwd is the temp dir so logs/ written by these runs are ours to grep.
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      outputs.push({ what: `${args[0]} stdout`, text: stdout }, { what: `${args[0]} stderr`, text: stderr });
      resolve({ code, stdout, stderr });
    });
  });
}

const echo401 = (): Step => ({ status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}. You can find your API key at ...`, type: 'invalid_request_error', code: 'invalid_api_key' } } });
const echo500 = (): Step => ({ status: 500, body: { error: { message: `upstream failed for Authorization: Bearer ${KEY}` } } });

function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

function hits(text: string): boolean {
  return text.includes(KEY) || text.includes(KEY.slice(-16));
}

async function agentConfig(name: string, baseURL: string) {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ baseURL, model: 'scripted-codeact', apiKeyEnv: KEY_ENV, temperature: 0, max_turns: 30, retry: { max_attempts: 3, base_delay_ms: 10, max_delay_ms: 20 } }, null, 2));
  return file;
}

test('run, batch and score against a key-echoing endpoint: the key is nowhere in sessions, logs, stdout or stderr', { timeout: 900_000 }, async () => {
  const task = (await loadTasks(SAMPLE_TASKS_FILE)).tasks.find((t) => t.instance_id === SCRIPTED_INSTANCE);
  assert.ok(task);
  const fix = scriptedFixReplies(task);
  const servers: ScriptedServer[] = [];
  try {
    // run: the first call is a 401 that echoes the key; the agent stops: the endpoint rejected the key.
    const runServer = await startScriptedServer([echo401()]);
    servers.push(runServer);
    const r1 = await swegym(['run', '--dataset', 'samples', '--instance', SCRIPTED_INSTANCE, '--agent', 'llm', '--config', await agentConfig('run.json', runServer.url), '--offline']);
    assert.ok(r1.code !== null, r1.stderr);
    assert.match(r1.stdout, /agent stopped: endpoint_rejected/, r1.stdout + r1.stderr);
    assert.equal(runServer.requests[0]?.headers.authorization, `Bearer ${KEY}`, 'the key reached the endpoint');

    // batch: sample 0 gets a 500 echoing the key (retried, a model_retry event), then solves the task; sample 1 gets
    // the echoing 401, which stops the batch (exit 1, the message naming the rejected key, never the key itself).
    const batchScript: Step[] = [echo500(), ...fix, echo401()];
    const batchServer = await startScriptedServer(batchScript);
    servers.push(batchServer);
    const sessionsDir = join(dir, 'sessions');
    const r2 = await swegym([
      'batch', '--dataset', 'samples', '--instances', SCRIPTED_INSTANCE, '--agent', 'llm', '--config', await agentConfig('batch.json', batchServer.url),
      '--samples', '2', '--concurrency', '1', '--session', 'secrets', '--sessions-dir', sessionsDir, '--offline', '--no-remote-control',
    ]);
    assert.ok(r2.code !== null, r2.stderr);
    assert.equal(batchServer.requests.length, batchScript.length, `every scripted step was used: ${r2.stdout}\n${r2.stderr}`);
    assert.ok(batchServer.requests.every((q) => q.headers.authorization === `Bearer ${KEY}`));
    const sessionDir = join(sessionsDir, 'secrets');
    assert.ok(existsSync(sessionDir), r2.stdout + r2.stderr);

    // score --verifier llm: the first completion call is a 401 echoing the key, the second a 500 echoing it;
    // the rest answer with top logprobs (the forced-choice logprobs are unusable, so the verifier falls back).
    const verifierServer = await startScriptedServer((_req, i) =>
      i === 0 ? echo401() : i === 1 ? echo500() : { completion: { text: ' YES', tokens: [' YES'], token_logprobs: [-0.1], top_logprobs: [{ ' YES': -0.1, ' NO': -2.5 }] } },
    );
    servers.push(verifierServer);
    const vcfg = join(dir, 'verifier.json');
    writeFileSync(vcfg, JSON.stringify({ llm: { baseURL: verifierServer.url, model: 'scripted-judge', apiKeyEnv: KEY_ENV } }, null, 2));
    const r3 = await swegym(['score', 'secrets', '--sessions-dir', sessionsDir, '--verifier', 'llm', '--config', vcfg, '--chart', 'none']);
    assert.ok(r3.code !== null, r3.stderr);
    assert.ok(verifierServer.requests.length >= 2, `the verifier called the endpoint: ${r3.stdout}\n${r3.stderr}`);
    assert.ok(verifierServer.requests.every((q) => q.headers.authorization === `Bearer ${KEY}`));

    // What a user would look at afterwards.
    await swegym(['show', 'secrets', '--sessions-dir', sessionsDir, '--sample', '1']);
    await swegym(['show', 'secrets', '--sessions-dir', sessionsDir, '--sample', '1', '--json']);
    await swegym(['report', 'secrets', '--sessions-dir', sessionsDir]);

    // The errors were recorded (so the test looks where the key would have gone), with the key redacted.
    const sessionFiles = filesUnder(sessionDir);
    const all = sessionFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
    assert.match(all, /"type":"model_retry"/, 'the 500 was retried and recorded');
    assert.match(all, /401/, 'the 401 was recorded');
    assert.match(all, /"type":"verifier_score"/, 'the verifier recorded scores');

    const leaks: string[] = [];
    for (const f of [...sessionFiles, ...filesUnder(join(dir, 'logs')), ...filesUnder(join(ROOT, 'logs'))]) {
      if (hits(readFileSync(f, 'latin1'))) leaks.push(f);
    }
    for (const o of outputs) if (hits(o.text)) leaks.push(o.what);
    assert.deepEqual(leaks, [], 'the API key leaked');
    assert.ok(sessionFiles.length > 0 && outputs.length >= 12);
  } finally {
    for (const s of servers) await s.close();
  }
});

test('serve: the bearer token is never logged, recorded or echoed back', { timeout: 120_000 }, async () => {
  const token = `gym-token-${randomBytes(12).toString('hex')}`;
  const wrong = `wrong-token-${randomBytes(12).toString('hex')}`;
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const sessionsDir = join(dir, 'gym-sessions');
  const env: Record<string, string | undefined> = { ...process.env, SWEGYM_GYM_TOKEN: token };
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--pool-size', '0', '--session', 'gym', '--sessions-dir', sessionsDir], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    for (let i = 0; i < 300 && !stdout.includes('swegym gym server on'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(stdout.includes('swegym gym server on'), stdout + stderr);
    const base = `http://127.0.0.1:${port}/v1`;
    const denied = await fetch(`${base}/openapi.json`, { headers: { authorization: `Bearer ${wrong}` } });
    assert.equal(denied.status, 401);
    const deniedBody = await denied.text();
    const ok = await fetch(`${base}/openapi.json`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    const okBody = await ok.text();
    const bad = await fetch(`${base}/envs`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ instance_id: 'no-such-instance' }) });
    assert.ok(bad.status >= 400 && bad.status < 500, String(bad.status));
    const badBody = await bad.text();
    for (const [what, text] of [['401 body', deniedBody], ['openapi', okBody], ['error body', badBody]] as const) {
      assert.equal(text.includes(token) || text.includes(wrong), false, `token in ${what}`);
    }
  } finally {
    child.kill('SIGINT');
    await closed;
  }
  const leaks = [...filesUnder(sessionsDir), ...filesUnder(join(dir, 'logs'))].filter((f) => readFileSync(f, 'latin1').includes(token));
  if (stdout.includes(token) || stdout.includes(wrong)) leaks.push('stdout');
  if (stderr.includes(token) || stderr.includes(wrong)) leaks.push('stderr');
  assert.deepEqual(leaks, []);
  assert.ok(filesUnder(sessionsDir).length > 0, 'the session was written (so the check looked at something)');
});
