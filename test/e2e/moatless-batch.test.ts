/**
 * The real `swegym` binary: `batch --agent moatless` against the scripted server on 127.0.0.1 in a real container,
 * then `report`, `show` and `export sft --format moatless` on the session it wrote. The manifest records the quirks
 * and the Moatless prompt hashes; the fake API key reaches the server and nowhere else.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startScriptedServer } from '../helpers/scripted-openai-server.js';
import { INSTANCE, SCRIPT } from '../integration/moatless-script.js';

const BIN = fileURLToPath(new URL('../../bin/swegym.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEY = 'sk-e2e-MOATLESS-7f2a-do-not-print';
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swegym-e2e-moatless-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function swegym(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

function filesUnder(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(d, e.name)) : [join(d, e.name)]));
}

test('batch --agent moatless writes a session that report, show and export sft --format moatless read', async () => {
  const server = await startScriptedServer(SCRIPT);
  const sessions = join(dir, 'sessions');
  try {
    const b = await swegym(
      ['batch', '--dataset', 'samples', '--instances', INSTANCE, '--agent', 'moatless', '--model', 'scripted-moatless', '--base-url', server.url, '--samples', '1', '--concurrency', '1', '--session', 'm1', '--sessions-dir', sessions, '--offline', '--moatless-fix', 'identify_message_overwritten'],
      { OPENAI_API_KEY: KEY },
    );
    assert.equal(b.code, 0, b.stderr + b.stdout);
    assert.equal(server.requests.length, SCRIPT.length);
    assert.ok(server.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`));

    const manifest = JSON.parse(readFileSync(join(sessions, 'm1', 'manifest.json'), 'utf8'));
    assert.equal(manifest.agent.kind, 'moatless');
    assert.equal(manifest.agent.config.quirks.identify_message_overwritten, false);
    assert.equal(manifest.agent.config.quirks.cost_priced_as_claude, true);
    assert.ok(Object.keys(manifest.prompt_template_hashes).includes('moatless/search_system.txt'));
    for (const f of filesUnder(join(sessions, 'm1'))) assert.ok(!readFileSync(f, 'utf8').includes(KEY), `the key leaked into ${f}`);

    const r = await swegym(['report', 'm1', '--sessions-dir', sessions, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"resolved":\s*1\b/);

    const s = await swegym(['show', 'm1', '--sessions-dir', sessions, '--instance', INSTANCE]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /moatless: retrieval bm25/);
    assert.match(s.stdout, /\[5\] edit durations\/parser\.py lines 1-9: applied/);
    assert.match(s.stdout, /\[7\] PlanToCode --finish--> Finished/);

    const out = join(dir, 'sft.jsonl');
    const e = await swegym(['export', 'sft', 'm1', '--format', 'moatless', '--out', out, '--sessions-dir', sessions]);
    assert.equal(e.code, 0, e.stderr);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 6);
    assert.ok(lines.every((l) => l.instance_id === INSTANCE && l.exp_name === 'm1' && l.fail === false));
    assert.equal(lines[0].messages.at(-1).role, 'assistant');
  } finally {
    await server.close();
  }
});
