import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { TaskRecord } from '../../src/core/dataset/schema.js';
import type { EnvSpec } from '../../src/core/runtime/env-spec.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { SAMPLE_TASKS_FILE, sampleRepoSource } from '../../src/core/dataset/samples.js';
import { loadSpecRegistry } from '../../src/core/runtime/spec-registry.js';

const run = promisify(execFile);
const BASE = process.env.SWEGYM_TEST_BASE_IMAGE ?? 'swegym-base:dev';

export async function sampleTasks(): Promise<TaskRecord[]> {
  return (await loadTasks(SAMPLE_TASKS_FILE)).tasks;
}

export function specFor(task: TaskRecord): EnvSpec {
  return loadSpecRegistry().lookup(task.repo, String(task.version));
}

export interface TestImage {
  image: string;
  /** 'pulled' when the image still carries the repo's future history (so runRollout strips it). */
  source: 'local' | 'pulled' | 'built';
}

/**
 * The instance image of a sample task: through the runtime's ensureInstanceImage when that module exists, else a
 * minimal image built here from the base image and the sample repo's bundle (full history, so it is announced as
 * `pulled` and the rollout strips the future before the agent starts).
 */
export async function sampleImage(task: TaskRecord): Promise<TestImage> {
  const imagesModule = fileURLToPath(new URL('../../src/core/runtime/images.ts', import.meta.url));
  if (existsSync(imagesModule) && !process.env.SWEGYM_TEST_OWN_IMAGES) {
    const mod = (await import(imagesModule)) as { ensureInstanceImage: (t: TaskRecord, s: EnvSpec, o: Record<string, unknown>) => Promise<unknown> };
    const got = await mod.ensureInstanceImage(task, specFor(task), { offline: true, pull: false, repoSource: sampleRepoSource(task.repo) });
    if (typeof got === 'string') return { image: got, source: 'built' };
    const g = got as { image?: string; name?: string; source?: string };
    const source = g.source === 'local' || g.source === 'pulled' || g.source === 'built' ? g.source : 'built';
    return { image: (g.image ?? g.name) as string, source };
  }
  return ownImage(task);
}

async function ownImage(task: TaskRecord): Promise<TestImage> {
  const tag = `swegym-test-rollout/${task.instance_id.toLowerCase()}:latest`;
  const have = await run('docker', ['image', 'inspect', tag]).then(() => true, () => false);
  if (have) return { image: tag, source: 'pulled' };
  const bundle = sampleRepoSource(task.repo);
  if (!bundle) throw new Error(`no sample repo bundle for ${task.repo}`);
  const ctx = await mkdtemp(join(tmpdir(), 'swegym-img-'));
  try {
    await copyFile(bundle, join(ctx, 'repo.bundle'));
    await writeFile(
      join(ctx, 'Dockerfile'),
      [
        `FROM ${BASE}`,
        'COPY repo.bundle /tmp/repo.bundle',
        `RUN git clone -q /tmp/repo.bundle /testbed && cd /testbed && git checkout -q ${task.base_commit} && rm /tmp/repo.bundle`,
        'WORKDIR /testbed',
        '',
      ].join('\n'),
    );
    await run('docker', ['build', '-q', '--network', 'none', '--label', 'io.swegym.test=rollout', '-t', tag, ctx], { maxBuffer: 16 << 20 });
  } finally {
    await rm(ctx, { recursive: true, force: true });
  }
  return { image: tag, source: 'pulled' };
}
