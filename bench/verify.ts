/**
 * bench/verify: harness overhead per instance (wall time minus the test command's own time) and throughput at 1,
 * 2 and 4 workers, on the sample tasks with warm images. Baseline in the same run: `docker run --rm <image> true`
 * through the CLI (what a container costs without any harness work). Target: median overhead <= 0.5 s.
 *
 *   node --import tsx bench/verify.ts [--rounds N]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTasks } from '../src/core/dataset/load.js';
import { sampleRepoSource } from '../src/core/dataset/samples.js';
import { DockerProvider } from '../src/core/runtime/docker.js';
import { ensureInstanceImage } from '../src/core/runtime/images.js';
import { loadSpecRegistry } from '../src/core/runtime/spec-registry.js';
import type { TaskRecord } from '../src/core/dataset/schema.js';
import { runEvaluation } from '../src/core/harness/verify.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 2;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

const { tasks } = await loadTasks('samples');
const registry = loadSpecRegistry();
const specFor = (t: TaskRecord) => registry.lookup(t.repo, t.version);
const images = new Map<string, string>();
for (const t of tasks) {
  images.set(t.instance_id, (await ensureInstanceImage(t, specFor(t), { repoSource: sampleRepoSource(t.repo), offline: true })).image);
}
const imageFor = (t: TaskRecord) => images.get(t.instance_id)!;
const provider = new DockerProvider();
const root = mkdtempSync(join(tmpdir(), 'bench-verify-'));
const preds = tasks.map((t) => ({ instance_id: t.instance_id, model_patch: t.patch, model_name_or_path: 'gold' }));

// baseline: a bare container through the docker CLI
const first = images.get(tasks[0].instance_id)!;
const base: number[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  execFileSync('docker', ['run', '--rm', '--network', 'none', '--label', 'io.swegym.managed=1', '--entrypoint', 'true', first]);
  base.push(performance.now() - t0);
}

// warm-up pass (page cache, images, first-exec costs)
await runEvaluation({ tasks, predictions: preds, provider, specFor, imageFor, workers: 2, runId: 'warmup', logRoot: root });

console.log(`bench/verify: ${tasks.length} sample tasks, gold patches, ${rounds} round(s) per setting`);
console.log(`baseline: docker run --rm <image> true (CLI)  median ${(median(base) / 1000).toFixed(3)} s`);
let overheadAt1 = NaN;
for (const workers of [1, 2, 4]) {
  const overhead: number[] = [];
  const testMs: number[] = [];
  let wall = 0;
  let n = 0;
  let unresolved = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const { verdicts } = await runEvaluation({ tasks, predictions: preds, provider, specFor, imageFor, workers, runId: `w${workers}-r${r}`, logRoot: root });
    wall += performance.now() - t0;
    for (const v of verdicts) {
      n++;
      if (v.status !== 'resolved') unresolved++;
      overhead.push(v.total_ms! - (v.test_ms ?? 0));
      testMs.push(v.test_ms ?? 0);
    }
  }
  const med = median(overhead) / 1000;
  if (workers === 1) overheadAt1 = med;
  console.log(
    `workers ${workers}: median overhead ${med.toFixed(3)} s/instance (test command median ${(median(testMs) / 1000).toFixed(3)} s), ` +
      `throughput ${(n / (wall / 1000)).toFixed(2)} instances/s${unresolved ? `, ${unresolved} NOT resolved` : ''}`,
  );
}
console.log(`overhead vs baseline container: ${(overheadAt1 / (median(base) / 1000)).toFixed(2)}x`);
console.log(`target: median overhead <= 0.5 s -> ${overheadAt1 <= 0.5 ? 'MET' : 'NOT MET'} (${overheadAt1.toFixed(3)} s at 1 worker)`);
rmSync(root, { recursive: true, force: true });
const left = await provider.list({ 'io.swegym.session': provider.sessionId });
if (left.length) console.log(`WARNING: ${left.length} container(s) left`);
