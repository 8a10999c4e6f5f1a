/**
 * bench/images: instance image builds, the per-repository layer recipe vs the previous per-instance recipe (measured
 * in the same run as the baseline), on the bundled sample tasks and on many instances of one synthetic repository
 * with a long history.
 *
 *   node --import tsx bench/images.ts [--commits 3000] [--instances 8] [--files 400] [--keep-logs]
 *
 * Figures: cold (the repository layer built too) and warm (repository layer present) build time per instance, and
 * the bytes each instance image adds on top of the layer it starts from (`unique`), next to the size of its
 * checked-out tree. Baseline: what swegym did before (a bundle of the base commit's whole history copied into every
 * instance, cloned, then the history strip's `git repack -a -d`), built from the same environment layer.
 * Targets: an instance layer on a warm repository layer in <= 3 s; unique bytes per instance <= its checked-out tree.
 * Everything the bench builds is removed at the end.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { ensureEnvImage, ensureInstanceImage } from '../src/core/runtime/images.js';
import { buildLayer } from '../src/core/runtime/build-container.js';
import { bundleOfCommit } from '../src/core/runtime/repo-source.js';
import { STRIP_HISTORY_SCRIPT } from '../src/core/runtime/strip-history.js';
import { removeBuildsOf } from '../src/core/runtime/image-admin.js';
import { loadTasks } from '../src/core/dataset/load.js';
import { SAMPLE_REPOS_DIR, SAMPLE_TASKS_FILE } from '../src/core/dataset/samples.js';
import { TaskRecord } from '../src/core/dataset/schema.js';
import type { EnvSpec } from '../src/core/runtime/env-spec.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const docker = new Dockerode();
const stamp = `${process.pid}${Date.now().toString(36)}`;
const spec: EnvSpec = { test_cmd: 'pytest -rA', parser: 'pytest', activate: [], base_packages: ['python3', 'python3-pytest', 'git', 'patch', 'procps'] };
const made: string[] = [];
const logDir = mkdtempSync(join(tmpdir(), 'bench-images-logs-'));

/** A repository with a long history: `commits` commits, each rewriting one of `files` files (a few kB each). */
function syntheticRepo(commits: number, files: number): { dir: string; chain: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-images-repo-'));
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  let stream = '';
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const content = (i: number, v: number) => {
    const lines: string[] = [];
    for (let l = 0; l < 80; l++) lines.push(`def f_${i}_${l}(x):  # version ${l % 7 === 0 ? v : 0} ${Math.floor(rnd() * 1e9)}\n    return x + ${l}`);
    return lines.join('\n') + '\n';
  };
  for (let c = 0; c < commits; c++) {
    const changed = c < files ? [c] : [Math.floor(rnd() * files), Math.floor(rnd() * files)];
    stream += `commit refs/heads/main\nmark :${c + 1}\ncommitter bench <b@b> ${1_600_000_000 + c * 60} +0000\ndata ${`commit ${c}`.length}\ncommit ${c}\n`;
    if (c > 0) stream += `from :${c}\n`;
    for (const f of changed) {
      const body = content(f, c);
      stream += `M 100644 inline pkg/mod_${f}.py\ndata ${Buffer.byteLength(body)}\n${body}\n`;
    }
  }
  execFileSync('git', ['-C', dir, 'fast-import', '--quiet'], { input: stream, maxBuffer: 1024 * 1024 * 1024 });
  execFileSync('git', ['-C', dir, 'checkout', '-q', 'main']);
  const chain = execFileSync('git', ['-C', dir, 'rev-list', '--reverse', 'main'], { encoding: 'utf8' }).trim().split('\n');
  return { dir, chain };
}

function task(id: string, repo: string, base: string): TaskRecord {
  return TaskRecord.parse({ instance_id: id, repo, base_commit: base, patch: '', test_patch: '', problem_statement: 'x', version: '0.1', FAIL_TO_PASS: [], PASS_TO_PASS: [] });
}

async function size(image: string): Promise<number> {
  return (await docker.getImage(image).inspect()).Size;
}

/** Size of the repository layer an instance image was built on (walking its parents). */
async function repoLayerSize(image: string): Promise<number> {
  let info = await docker.getImage(image).inspect();
  while (info.Parent) {
    info = await docker.getImage(info.Parent).inspect();
    if (info.Config?.Labels?.['io.swegym.kind'] === 'repo') return info.Size;
  }
  throw new Error(`${image} has no repository layer below it`);
}

/**
 * The instance's history is whole and nothing more: every object reachable from HEAD present (fsck), and as many
 * commits as the base commit has in the source repository. A build that kept too few packs fails here.
 */
function checkHistory(image: string, gitDir: string, base: string): void {
  const want = execFileSync('git', ['-C', gitDir, 'rev-list', '--count', base], { encoding: 'utf8' }).trim();
  const got = execFileSync('docker', ['run', '--rm', '--network', 'none', image, 'bash', '-c', 'cd /testbed && git fsck --connectivity-only --no-dangling --no-progress >&2 && git rev-list --count --all && git rev-parse HEAD'], { encoding: 'utf8' }).trim().split('\n');
  if (got[0] !== want || got[1] !== base) throw new Error(`${image}: ${got[0]} commits at ${got[1]}, want ${want} at ${base}`);
}

/** Bytes of the checked-out tree (without .git) in an image. */
function treeBytes(image: string): number {
  const out = execFileSync('docker', ['run', '--rm', '--network', 'none', image, 'bash', '-c', "cd /testbed && git ls-files -z | xargs -0 stat -c %s | awk '{s+=$1} END {print s+0}'"], { encoding: 'utf8' });
  return Number(out.trim());
}

/** The previous recipe: the whole history up to the base commit bundled into each instance, cloned, stripped (repack). */
async function baselineBuild(t: TaskRecord, gitDir: string, env: string): Promise<string> {
  const tag = `swegym-bench-baseline:${t.instance_id.toLowerCase().replace(/[^a-z0-9_.-]/g, '-')}`;
  const bundle = await bundleOfCommit(gitDir, t.base_commit, t.repo);
  try {
    await buildLayer({
      docker,
      from: env,
      tag,
      steps: [
        {
          name: 'baseline: clone + strip',
          script: [
            'git config --global --add safe.directory /testbed',
            'rm -rf /testbed && git clone -q -o origin --no-checkout /tmp/swegym-src/repo.bundle /testbed && chmod -R 777 /testbed && cd /testbed',
            `git reset -q --hard ${t.base_commit}`,
            `bash /tmp/swegym-src/strip-history.sh /testbed ${t.base_commit}`,
            'rm -rf /tmp/swegym-src',
          ].join('\n'),
        },
      ],
      files: { '/tmp/swegym-src/repo.bundle': readFileSync(bundle.path), '/tmp/swegym-src/strip-history.sh': Buffer.from(STRIP_HISTORY_SCRIPT) },
    });
  } finally {
    bundle.cleanup();
  }
  made.push(tag);
  return tag;
}

interface Row {
  what: string;
  n: number;
  coldS: number;
  warmS: number[];
  unique: number[];
  tree: number[];
  baseS: number[];
  baseUnique: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
}

const mb = (n: number) => (Math.abs(n) < 1e5 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(2)} MB`);

async function measure(what: string, tasks: TaskRecord[], source: string, gitDirFor: (t: TaskRecord) => Promise<string>, envImage: string, envSize: number): Promise<Row> {
  const row: Row = { what, n: tasks.length, coldS: NaN, warmS: [], unique: [], tree: [], baseS: [], baseUnique: [] };
  for (const [i, t] of tasks.entries()) {
    const t0 = performance.now();
    const got = await ensureInstanceImage(t, spec, { docker, repoSource: source, pull: false, logDir });
    const secs = (performance.now() - t0) / 1000;
    made.push(got.image.replace(/:sg-.*$/, ''));
    if (i === 0) row.coldS = secs;
    else row.warmS.push(secs);
    row.unique.push((await size(got.image)) - (await repoLayerSize(got.image)));
    row.tree.push(treeBytes(got.image));
    checkHistory(got.image, await gitDirFor(t), t.base_commit);
    const b0 = performance.now();
    const base = await baselineBuild(t, await gitDirFor(t), envImage);
    row.baseS.push((performance.now() - b0) / 1000);
    row.baseUnique.push((await size(base)) - envSize);
  }
  return row;
}

async function main(): Promise<void> {
  const commits = arg('commits', 3000);
  const nInst = arg('instances', 8);
  const files = arg('files', 400);
  const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
  const loadAtStart = load();
  const env = await ensureEnvImage(spec, { docker });
  const envSize = await size(env.image);
  const rows: Row[] = [];

  // The bundled samples, under ids of their own (so existing sample images are not touched).
  const samples = (await loadTasks(SAMPLE_TASKS_FILE)).tasks.map((t) => ({ ...t, instance_id: `${t.instance_id}-bench${stamp}` }));
  const { unpackedBundle } = await import('../src/core/runtime/repo-source.js');
  const sampleGit = async (t: TaskRecord) => unpackedBundle(join(SAMPLE_REPOS_DIR, `${t.repo.replace('/', '__')}.bundle`));
  for (const repo of [...new Set(samples.map((t) => t.repo))]) {
    rows.push(await measure(`samples ${repo}`, samples.filter((t) => t.repo === repo), SAMPLE_REPOS_DIR, sampleGit, env.image, envSize));
  }

  // Many instances of one repository with a long history.
  const syn = syntheticRepo(commits, files);
  try {
    const picks = Array.from({ length: nInst }, (_, i) => syn.chain[Math.floor(((i + 1) * (syn.chain.length - 1)) / (nInst + 1))]!);
    const tasks = picks.map((c, i) => task(`bench__synthetic-${i}-${stamp}`, `bench/synthetic-${stamp}`, c));
    rows.push(await measure(`synthetic (${commits} commits, ${files} files)`, tasks, syn.dir, async () => syn.dir, env.image, envSize));
  } finally {
    rmSync(syn.dir, { recursive: true, force: true });
  }

  console.log('\nbench/images: instance image builds, per-repository layer (new) vs a whole history per instance (baseline, same run)');
  console.log(`load average (1/5/15 min) at start ${loadAtStart}, at end ${load()}, on ${cpus().length} cores\n`);
  console.log(['set', 'n', 'cold s (1st, incl. repo layer)', 'warm s median/max', 'baseline s median', 'unique/instance median (max)', 'tree median', 'baseline unique median', 'warm <= 3 s', 'unique <= tree'].join(' | '));
  let ok = true;
  for (const r of rows) {
    const warm = r.warmS.length ? r.warmS : [r.coldS];
    const uniqOk = r.unique.every((u, i) => u <= r.tree[i]!);
    const warmOk = Math.max(...warm) <= 3;
    ok &&= uniqOk && warmOk;
    console.log(
      [
        r.what,
        r.n,
        r.coldS.toFixed(2),
        `${median(warm).toFixed(2)}/${Math.max(...warm).toFixed(2)}`,
        median(r.baseS).toFixed(2),
        `${mb(median(r.unique))} (${mb(Math.max(...r.unique))})`,
        mb(median(r.tree)),
        mb(median(r.baseUnique)),
        warmOk ? 'yes' : 'NO',
        uniqOk ? 'yes' : 'NO',
      ].join(' | '),
    );
  }
  console.log(`\ntargets ${ok ? 'met' : 'NOT met'}`);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const m of made) {
      if (m.startsWith('swegym-bench-baseline:')) await docker.getImage(m).remove().catch(() => undefined);
      else await removeBuildsOf(docker, m).catch(() => undefined);
    }
    const layers = await docker.listImages({ filters: { label: [`io.swegym.kind=repo`] } });
    for (const l of layers) for (const t of l.RepoTags ?? []) if (l.Labels?.['io.swegym.repo']?.includes(stamp)) await docker.getImage(t).remove().catch(() => undefined);
    if (process.argv.includes('--keep-logs')) console.log(`build logs: ${logDir}`);
    else rmSync(logDir, { recursive: true, force: true });
  });
