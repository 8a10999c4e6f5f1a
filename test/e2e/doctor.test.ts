import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startScriptedServer, type RecordedRequest, type Step } from '../helpers/scripted-openai-server.js';

// `swegym doctor` through the real binary: it passes on this machine (a real engine), and it fails with a fix when
// the engine does not answer, when the endpoint is down, or when the model is not served.

const BIN = fileURLToPath(new URL('../../bin/swegym.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEY = 'sk-doctor-secret-4242';
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swegym-e2e-doctor-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function doctor(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const e: Record<string, string | undefined> = { ...process.env, OPENAI_BASE_URL: undefined, SWEGYM_ENGINES: undefined, ...env };
    for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
    const child = spawn(process.execPath, [BIN, 'doctor', '--sessions-dir', join(dir, 'sessions'), ...args], { cwd: ROOT, env: e as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** An endpoint serving one model, answering chat and echoed-logprob completions like vLLM. */
function endpointScript(model: string) {
  return (rec: RecordedRequest): Step => {
    if (rec.path.endsWith('/models')) return { status: 200, body: { object: 'list', data: [{ id: model, object: 'model' }] } };
    if (rec.path.endsWith('/chat/completions')) return { content: 'OK', usage: { prompt_tokens: 3, completion_tokens: 1 } };
    return { completion: { text: ' YES', tokens: ['Is', ' this', ' YES', ' YES'], token_logprobs: [null, -1, -0.5, -0.1] } };
  };
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('doctor passes on a machine with a working engine: every check ok or a first-use warning, exit 0', async () => {
  const r = await doctor([]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /✓ Docker engine local\s+Docker \S+ at unix:/);
  assert.match(r.out, /Container start \(--network none\)\s+(\S+ started and exited in \d+ ms|no swegym image)/);
  assert.match(r.out, /✓ Sessions folder\s+.*writable/);
  assert.match(r.out, /swegym doctor: ready/);
  assert.doesNotMatch(r.out, /^✗/m);
});

test('doctor fails with the install/start fix when the engine does not answer', async () => {
  const r = await doctor(['--quick'], { DOCKER_HOST: `unix://${join(dir, 'no-such.sock')}` });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /✗ Docker engine local\s+not reachable at unix:\/\/.*no-such\.sock/);
  assert.match(r.out, /fix: DOCKER_HOST=unix:\/\/.*does not answer/);
  assert.match(r.out, /1 problem\(s\) to fix/);
});

test('doctor fails with a fix when the endpoint is down, and never prints the key', async () => {
  const port = await closedPort();
  const r = await doctor(['--quick', '--base-url', `http://127.0.0.1:${port}/v1`, '--timeout', '3'], { OPENAI_API_KEY: KEY });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /✗ Endpoint http:\/\/127\.0\.0\.1:\d+\/v1\s+not reachable/);
  assert.match(r.out, /fix: start the server/);
  assert.ok(!r.out.includes(KEY));
});

test('doctor checks a live endpoint: model listed, one-token answer, echoed logprobs; an unlisted model fails', async () => {
  const server = await startScriptedServer(endpointScript('qwen-test'));
  try {
    const ok = await doctor(['--quick', '--base-url', server.url, '--model', 'qwen-test'], { OPENAI_API_KEY: KEY });
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /✓ Endpoint .*'qwen-test' among them/);
    assert.match(ok.out, /✓ One-token chat completion/);
    assert.match(ok.out, /✓ Echoed prompt logprobs \(llm verifier\)\s+returned for 4 token/);
    const chat = server.requests.find((q) => q.path.endsWith('/chat/completions'));
    assert.equal(chat?.body.max_tokens, 1);
    assert.equal(chat?.headers.authorization, `Bearer ${KEY}`);
    const bad = await doctor(['--quick', '--base-url', server.url, '--model', 'not-served'], { OPENAI_API_KEY: KEY });
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, /model 'not-served' is not listed \(listed: qwen-test\)/);
    assert.ok(!ok.out.includes(KEY) && !bad.out.includes(KEY));
  } finally {
    await server.close();
  }
});

test('doctor --json gives every check with status, detail and fix', async () => {
  const r = await doctor(['--quick', '--json'], { DOCKER_HOST: `unix://${join(dir, 'no-such.sock')}` });
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.out) as { passed: boolean; checks: Array<{ id: string; status: string; fix?: string }> };
  assert.equal(doc.passed, false);
  const engine = doc.checks.find((c) => c.id === 'engine:local');
  assert.equal(engine?.status, 'fail');
  assert.ok(engine?.fix);
});
