/**
 * The Moatless code area, through the agent's workspace (agent/moatless/workspace.ts), on a checkout inside a real rollout container (the sample image of ledger-8, /testbed at
 * the base commit): the index is built through the Runtime and cached per (repo, commit), BM25 search finds the gold
 * span, an edit is validated, written into the container and shows in its git diff, and pylint runs in the container:
 * flagged as unavailable without pylint, then (Debian's pylint 2.16.2 copied in from the host's apt package) the new
 * E-message the edit introduced is the only one reported.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeIndex, runPylint, runtimeSource } from '../../src/core/code/index.js';
import { openContainerWorkspace } from '../../src/core/agent/moatless/workspace.js';
import { parseMoatlessConfig } from '../../src/core/agent/moatless/config.js';
import type { Runtime } from '../../src/core/runtime/types.js';
import type { TaskRecord } from '../../src/core/dataset/schema.js';
import { docker, leftoverContainers, testProvider, uniqueId } from '../helpers/docker.js';

const IMAGE = 'sweb.eval.x86_64.swegym-samples__ledger-8:latest';
const task = readFileSync(new URL('../../samples/tasks.jsonl', import.meta.url), 'utf8')
  .trim().split('\n').map((l) => JSON.parse(l) as TaskRecord).find((t) => t.instance_id === 'swegym-samples__ledger-8')!;
const run = uniqueId('moatless-code');
const { provider, labels } = testProvider(run);
let rt: Runtime;
let cacheDir: string;
const prevCache = process.env.SWEGYM_CACHE_DIR;

before(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'moatless-code-cache-'));
  process.env.SWEGYM_CACHE_DIR = cacheDir;
  rt = await provider.start({ image: IMAGE, labels, env: { PYTHONPATH: '/opt/pylint-site' } });
});

after(async () => {
  await rt?.stop();
  if (prevCache === undefined) delete process.env.SWEGYM_CACHE_DIR;
  else process.env.SWEGYM_CACHE_DIR = prevCache;
  rmSync(cacheDir, { recursive: true, force: true });
  assert.deepEqual(await leftoverContainers(labels), []);
});

test('index, search, edit and lint on a checkout inside the container', async () => {
  const ctx = { runtime: rt, repoDir: '/testbed', task } as unknown as Parameters<typeof openContainerWorkspace>[0];
  const opened = await openContainerWorkspace(ctx, parseMoatlessConfig({ model: 'm' }));
  const ws = opened.workspace;
  assert.equal(ws.index.backend, 'bm25');
  assert.ok((opened.indexedFiles ?? 0) >= 5);

  const found = await ws.index.semanticSearch({ query: task.problem_statement, max_spans_per_file: 5, max_results: 50 });
  assert.equal(found.hits[0].file_path, 'ledger/ledger.py');
  assert.ok(found.hits[0].spans.some((s) => s.span_id === 'Ledger.balance'), JSON.stringify(found.hits[0]));

  // Built once per (repo, commit): a second build through the container comes from the cache.
  const again = await CodeIndex.build(runtimeSource(rt, '/testbed'), { repoKey: task.repo, commit: task.base_commit });
  assert.equal(again.stats.fromCache, true);

  // Without pylint importable the lint step is flagged, not reported clean.
  assert.equal(await ws.repo.lint('ledger/ledger.py'), undefined);
  const site = execFileSync('tar', ['-C', '/usr/lib/python3/dist-packages', '-cf', '-', 'pylint', 'astroid', 'isort', 'mccabe.py', 'tomlkit', 'dill',
    'platformdirs', 'lazy_object_proxy', 'wrapt', 'typing_extensions.py', 'six.py', 'toml', 'logilab', 'setuptools', 'pkg_resources', '_distutils_hack'], { maxBuffer: 256 << 20 });
  await rt.exec('mkdir -p /opt/pylint-site');
  await docker.getContainer(rt.id).putArchive(site, { path: '/opt/pylint-site' });
  const probe = await runPylint(rt, '/testbed', 'ledger/ledger.py');
  assert.equal(probe.available, true);
  assert.match(probe.version ?? '', /pylint 2\.16/);

  const span = ws.repo.findSpanById('ledger/ledger.py', 'Ledger.balance')!;
  assert.equal(span.block.type, 'Function');
  const lines = ws.repo.content('ledger/ledger.py')!.split('\n');
  const i = lines.indexOf('        return total');
  assert.ok(i > 0);
  const result = ws.repo.updateByLineNumbers('ledger/ledger.py', i, i + 1, '        return totl');
  assert.equal(result.updated, true, result.error);
  // The fork diffs stripped contents: the file's last line has no newline, so `-old+new` share a line (as in the fork).
  assert.ok((result.diff ?? '').endsWith('\n-        return total+        return totl'), result.diff);
  const before = await ws.repo.lint('ledger/ledger.py');
  await ws.repo.saveFile('ledger/ledger.py');
  const afterLint = await ws.repo.lint('ledger/ledger.py');
  assert.ok(before && afterLint);
  const seen = new Set(before.map((e) => `${e.code} ${e.message}`));
  const added = afterLint.filter((e) => !seen.has(`${e.code} ${e.message}`));
  assert.deepEqual(added.map((e) => [e.code, e.message, e.line]), [['E0602', "Undefined variable 'totl'", i + 1]]);

  assert.equal((await rt.readFile('/testbed/ledger/ledger.py')).toString('utf8'), ws.repo.content('ledger/ledger.py'));
  const diff = await rt.exec('git diff --no-color', { cwd: '/testbed' });
  assert.match(diff.output, /\+        return totl/);

  // Paths come unquoted (git quotes non-ASCII names unless -z), untracked files included; contents read in one tar.
  await rt.writeFile('/testbed/ledger/naïve.py', 'def naïve():\n    return "é"\n');
  const src = runtimeSource(rt, '/testbed');
  assert.ok((await src.listFiles()).includes('ledger/naïve.py'));
  assert.equal((await src.readFiles(['ledger/naïve.py', 'missing.py'])).get('ledger/naïve.py'), 'def naïve():\n    return "é"\n');

  // An invalid edit is refused and leaves the container's file alone.
  const bad = ws.repo.updateByLineNumbers('ledger/ledger.py', i, i + 1, '        return (totl');
  assert.equal(bad.updated, false);
  assert.ok(bad.error);
});
