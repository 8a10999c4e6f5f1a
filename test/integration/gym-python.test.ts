import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DockerProvider, PID_LABEL } from '../../src/core/runtime/docker.js';
import { openSession } from '../../src/core/session/store.js';
import { showCommand } from '../../src/cli/commands/show.js';
import { exportCommand } from '../../src/cli/commands/export.js';
import { loadSessionTasks } from '../../src/core/session/tasks.js';
import { readFileSync } from 'node:fs';

// `swegym serve` (serveCommand, in its own process) driven by the Python client and the gold-patch example, then
// stopped with SIGTERM: every episode recorded, every container removed.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const provider = new DockerProvider();
const sessionsDir = mkdtempSync(join(tmpdir(), 'swegym-gym-py-'));
let child: ChildProcess | undefined;

after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (child?.pid) await provider.sweep({ [PID_LABEL]: String(child.pid) });
  rmSync(sessionsDir, { recursive: true, force: true });
});

function startServer(): Promise<{ url: string; proc: ChildProcess; output: () => string }> {
  const script = `import('./src/cli/commands/serve.ts').then(async (m) => process.exit(await m.serveCommand({ port: 0, sessionsDir: ${JSON.stringify(sessionsDir)}, session: 'py', poolSize: 1, maxEnvs: 4, idleTimeout: 120 })))`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 120_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /gym server on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], proc, output: () => out });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}

test('the Python client and the gold-patch example against `swegym serve`; SIGTERM leaves nothing behind', async () => {
  const srv = await startServer();
  child = srv.proc;
  const ids = ['swegym-samples__ledger-15', 'swegym-samples__durations-19'];
  const ex = await run('python3', [join(ROOT, 'examples/gold_patch_loop.py'), '--url', srv.url, ...ids.flatMap((i) => ['--instance', i])], { cwd: ROOT, timeout: 300_000 }).catch(
    (e: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`example failed: ${e.message}\n${e.stdout}\n${e.stderr}\nserver:\n${srv.output()}`);
    },
  );
  for (const id of ids) assert.match(ex.stdout, new RegExp(`${id} reward=1 terminated=True truncated=False verdict=resolved`), ex.stdout);

  // The client's error path and context manager: a malformed action is a SweGymError 400 and the episode goes on.
  const py = `
import sys
sys.path.insert(0, ${JSON.stringify(join(ROOT, 'clients/python'))})
from swegym_client import SweGymClient, SweGymError
with SweGymClient(${JSON.stringify(srv.url)}) as gym:
    obs, info = gym.reset("swegym-samples__durations-12", seed=3)
    assert "uploaded_files" in obs, obs
    try:
        gym.step({"name": "execute_bash", "arguments": {}})
        raise SystemExit("no error for a missing command")
    except SweGymError as e:
        assert e.status == 400 and e.code == "malformed_action", e
        print("malformed:", e.message)
    chunks = []
    obs, r, term, trunc, info = gym.step_stream({"name": "execute_bash", "arguments": {"command": "echo a; sleep 0.3; echo b"}}, chunks.append)
    assert info["step"] == 1 and "a" in "".join(chunks), (info, chunks)
    obs, r, term, trunc, info = gym.step("<function=finish>\\n</function>")
    print("reward", r, term, trunc, info["verdict"]["status"])
    env_id = gym.env_id
print("health", gym.health()["envs"])
`;
  const client = await run('python3', ['-c', py], { timeout: 120_000 });
  assert.match(client.stdout, /malformed: invalid arguments for execute_bash: arguments\.command/);
  assert.match(client.stdout, /reward 0 True False empty_patch/);
  assert.match(client.stdout, /health 0/);

  // SIGTERM: a clean stop, no container of the server's process left.
  const live = await run('python3', ['-c', `
import sys
sys.path.insert(0, ${JSON.stringify(join(ROOT, 'clients/python'))})
from swegym_client import SweGymClient
g = SweGymClient(${JSON.stringify(srv.url)})
g.reset("swegym-samples__ledger-8")
g.step({"name": "execute_bash", "arguments": {"command": "ls"}})
print(g.env_id)
`]);
  assert.match(live.stdout, /env-/);
  const pid = String(srv.proc.pid);
  assert.ok((await provider.list({ [PID_LABEL]: pid })).length >= 1, 'an environment is alive before SIGTERM');
  const exited = new Promise<number | null>((r) => srv.proc.once('exit', (code) => r(code)));
  srv.proc.kill('SIGTERM');
  assert.equal(await exited, 0, srv.output());
  assert.equal((await provider.list({ [PID_LABEL]: pid })).length, 0, 'containers left after SIGTERM');

  // Every episode is a rollout of the session, with every step.
  const reader = openSession(join(sessionsDir, 'py'));
  const rows = reader.summaries();
  for (const id of ids) {
    const row = rows.find((r) => r.instance_id === id);
    assert.equal(row?.status, 'completed', JSON.stringify(row));
    assert.equal(row?.resolved, true);
    const events = await reader.events(row!.rollout_id);
    const tools = events.filter((e) => e.type === 'tool_end');
    assert.ok(tools.length >= 4, `${id}: ${tools.length} steps`);
    assert.equal(events.filter((e) => e.type === 'tool_start').length, tools.length);
    assert.ok(events.some((e) => e.type === 'tool_start' && e.tool === 'str_replace_editor' && e.args.command === 'str_replace'));
    // `swegym show` renders it like any rollout: every step, the verdict.
    const lines: string[] = [];
    assert.equal(await showCommand({ session: 'py', sessionsDir, instance: id, out: (l) => lines.push(l) }), 0);
    const text = lines.join('\n');
    assert.equal((text.match(/ \$ (execute_bash|str_replace_editor|finish)/g) ?? []).length, tools.length, text);
    assert.match(text, /VERDICT resolved/);
  }
  const interrupted = rows.find((r) => r.instance_id === 'swegym-samples__ledger-8');
  assert.equal(interrupted?.status, 'interrupted');

  // The export commands work on it unchanged: the session's tasks load again, and the SFT lines of the resolved
  // episodes start from the agent's system prompt and first user message (an episode has no model calls).
  assert.equal((await loadSessionTasks(reader)).error, undefined);
  const sft = join(sessionsDir, 'sft.jsonl');
  const quiet = { out: () => undefined, err: () => undefined };
  assert.equal(await exportCommand({ kind: 'sft', session: 'py', sessionsDir, out: sft, io: quiet }), 0);
  const lines = readFileSync(sft, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, ids.length);
  for (const l of lines) {
    assert.deepEqual(l.messages.slice(0, 3).map((m: { role: string }) => m.role), ['system', 'user', 'assistant']);
    assert.match(l.messages[1].content, /<uploaded_files>\n\/testbed\n<\/uploaded_files>/);
  }
});
