/**
 * The real `swegym` binary: `batch --agent moatless` against the scripted server on 127.0.0.1 in a real container,
 * then `report`, `show` and `export sft --format moatless` on the session it wrote. The manifest records the quirks
 * and the Moatless prompt hashes; the fake API key reaches the server and nowhere else.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedServer } from '../helpers/scripted-openai-server.js';
import { INSTANCE, SCRIPT } from '../integration/moatless-script.js';
import { runCli } from '../helpers/cli.js';

const KEY = 'sk-e2e-MOATLESS-7f2a-do-not-print';
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swegym-e2e-moatless-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const swegym = (args: string[], env: Record<string, string> = {}) => runCli(args, { env });

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

    // The Moatless verifier through the CLI: its prompt is built from a fresh container; this server gives no
    // logprobs, so the answer "True" is read (flagged).
    const orm = await startScriptedServer(() => ({ completion: { text: 'True', finish_reason: 'stop' } }));
    try {
      const cfg = join(dir, 'verifier.json');
      writeFileSync(cfg, JSON.stringify({ 'moatless-orm': { baseURL: orm.url, model: 'orm', apiKeyEnv: 'SWEGYM_ORM_KEY' } }));
      const sc = await swegym(['score', 'm1', '--verifier', 'moatless-orm', '--config', cfg, '--sessions-dir', sessions, '--json'], { SWEGYM_ORM_KEY: 'orm-key' });
      assert.equal(sc.code, 0, sc.stderr + sc.stdout);
      const prompts = orm.requests.map((q) => String(q.body?.prompt ?? ''));
      assert.ok(prompts.some((p) => p.includes('<code_span=durations/parser.py span_id=parse_duration>') && p.includes('<after_file="b/durations/parser.py" start_line=1>')), prompts[0]);
      assert.ok(prompts.every((p) => p.startsWith('<|im_start|>system\nYou are an expert in python')));
    } finally {
      await orm.close();
    }
    const verifierOut = join(dir, 'orm.jsonl');
    const ev = await swegym(['export', 'verifier', 'm1', '--format', 'moatless', '--out', verifierOut, '--sessions-dir', sessions]);
    assert.equal(ev.code, 0, ev.stderr);
    const orml = readFileSync(verifierOut, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(orml.length, 1, 'one positive, no negative to balance it with');
    assert.deepEqual(orml[0].messages.map((m: { role: string }) => m.role), ['system', 'user', 'assistant']);
    assert.equal(orml[0].messages[2].content, 'True');
  } finally {
    await server.close();
  }
});
