/** `swegym images` on the real engine: lists swegym's builds and prunes superseded ones, per dataset. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imagesCommand } from '../../src/cli/commands/images.js';
import { ensureInstanceImage, envImageTag } from '../../src/core/runtime/images.js';
import { baseImageTag } from '../../src/core/runtime/base-image.js';
import { TaskRecord } from '../../src/core/dataset/schema.js';
import type { EnvSpec } from '../../src/core/runtime/env-spec.js';
import { docker, makeTinyRepo, removeBuilds, TEST_IMAGE, uniqueId, type TinyRepo } from '../helpers/docker.js';

const run = uniqueId('images-cmd');
const spec: EnvSpec = { test_cmd: 'pytest -rA', parser: 'pytest', activate: [], base_packages: ['python3', 'python3-pytest', `swegym-test-marker-${run}`] };
const baseTag = baseImageTag(spec.base_packages);
let repo: TinyRepo;
let dir: string;
const ids = [`swegym-test__img-a-${run}`, `swegym-test__img-b-${run}`];

function task(id: string): TaskRecord {
  return TaskRecord.parse({ instance_id: id, repo: 'swegym-test/tiny', base_commit: repo.base, patch: '', test_patch: '', problem_statement: 'x', version: '0.1', FAIL_TO_PASS: [], PASS_TO_PASS: [] });
}

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, text: () => out.join(''), errText: () => err.join('') };
};

before(async () => {
  repo = makeTinyRepo();
  dir = mkdtempSync(join(tmpdir(), 'images-cmd-'));
  const [r, t] = baseTag.split(':') as [string, string];
  await docker.getImage(TEST_IMAGE).tag({ repo: r, tag: t });
});

after(async () => {
  for (const id of ids) await removeBuilds(`sweb.eval.x86_64.${id.toLowerCase()}`);
  const baseId = (await docker.getImage(baseTag).inspect()).Id;
  await docker.getImage(envImageTag(spec, baseId)).remove().catch(() => undefined);
  await docker.getImage(baseTag).remove().catch(() => undefined);
  repo?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('list shows instance, spec hash and superseded builds; prune --unused and --all act only on the dataset given', async () => {
  const a1 = await ensureInstanceImage(task(ids[0]!), spec, { repoSource: repo.dir, docker });
  const a2 = await ensureInstanceImage(task(ids[0]!), { ...spec, pre_install: ['echo 2 > /opt/v'] }, { repoSource: repo.dir, docker });
  const b1 = await ensureInstanceImage(task(ids[1]!), spec, { repoSource: repo.dir, docker });
  const datasetA = join(dir, 'a.jsonl');
  writeFileSync(datasetA, JSON.stringify(task(ids[0]!)) + '\n');

  const l = capture();
  assert.equal(await imagesCommand({ json: true }, l.io), 0, l.errText());
  const listed = JSON.parse(l.text()) as Array<{ instance?: string; tags: string[]; newest: boolean; specHash?: string; size: number }>;
  const mine = listed.filter((i) => ids.includes(i.instance ?? ''));
  assert.equal(mine.length, 3, JSON.stringify(mine));
  const old = mine.find((i) => i.tags.includes(a1.image))!;
  assert.equal(old.newest, false, 'the first build of a is superseded');
  assert.ok(mine.find((i) => i.tags.includes(a2.image))!.newest);
  assert.notEqual(old.specHash, mine.find((i) => i.tags.includes(a2.image))!.specHash);
  assert.ok(old.size > 0);

  const dry = capture();
  assert.equal(await imagesCommand({ action: 'prune', unused: true, dataset: datasetA, dryRun: true }, dry.io), 0);
  assert.match(dry.text(), /1 image\(s\) would be removed/);
  assert.ok(await docker.getImage(a1.image).inspect().then(() => true, () => false), 'dry run removes nothing');

  const p = capture();
  assert.equal(await imagesCommand({ action: 'prune', unused: true, dataset: datasetA }, p.io), 0, p.errText());
  assert.equal(await docker.getImage(a1.image).inspect().then(() => true, () => false), false, 'the superseded build is gone');
  assert.ok(await docker.getImage(a2.image).inspect().then(() => true, () => false), 'the newest build stays');

  const all = capture();
  assert.equal(await imagesCommand({ action: 'prune', all: true, dataset: datasetA }, all.io), 0, all.errText());
  assert.equal(await docker.getImage(a2.image).inspect().then(() => true, () => false), false);
  assert.ok(await docker.getImage(b1.image).inspect().then(() => true, () => false), 'another dataset\'s image stays');

  const bad = capture();
  assert.equal(await imagesCommand({ action: 'prune' }, bad.io), 2);
  assert.match(bad.errText(), /prune needs a selection/);
  assert.equal(await imagesCommand({ action: 'prune', olderThan: 'soon' }, capture().io), 2);
});
