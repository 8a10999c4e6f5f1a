/**
 * Instance images for the harness's integration tests, built here (not through the image builder) so these tests
 * depend only on the base image and the sample bundles: clone the sample repo's bundle into /testbed at
 * base_commit, then `docker commit`. Cached by tag.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TaskRecord } from '../../src/core/dataset/schema.js';
import { SAMPLE_TASKS_FILE, SAMPLE_CANDIDATES_DIR, sampleRepoSource } from '../../src/core/dataset/samples.js';

export const BASE_IMAGE = process.env.SWEGYM_BASE_IMAGE ?? 'swegym-base:dev';

export function sampleTasks(): TaskRecord[] {
  return readFileSync(SAMPLE_TASKS_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => TaskRecord.parse(JSON.parse(l)));
}

export function candidate(id: string, kind: 'wrong' | 'noapply'): string {
  return readFileSync(join(SAMPLE_CANDIDATES_DIR, `${id}.${kind}.diff`), 'utf8');
}

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

export function testImageFor(task: TaskRecord): string {
  const tag = `swegym-harness-test/${task.instance_id.toLowerCase()}:${task.base_commit.slice(0, 12)}`;
  try {
    docker('image', 'inspect', tag);
    return tag;
  } catch {
    /* build below */
  }
  const bundle = sampleRepoSource(task.repo);
  if (!bundle) throw new Error(`no sample bundle for ${task.repo}`);
  const c = docker('run', '-d', '--network', 'none', '--label', 'io.swegym.managed=1', '-v', `${bundle}:/src.bundle:ro`, BASE_IMAGE, 'tail', '-f', '/dev/null');
  try {
    docker('exec', c, 'bash', '-c', `git clone -q /src.bundle /testbed && cd /testbed && git reset -q --hard ${task.base_commit} && git remote remove origin`);
    docker('commit', '--change', 'WORKDIR /testbed', c, tag);
  } finally {
    docker('rm', '-f', c);
  }
  return tag;
}
