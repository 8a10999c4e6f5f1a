import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyImageTemplate,
  instanceImageCandidates,
  instanceImageName,
  localInstanceImageName,
  swebenchRemoteImageName,
  swegymImageName,
  withTag,
} from '../../src/core/runtime/image-names.js';

test('SWE-Gym prebuilt names: __ -> _s_, whole name lower-cased (facts §1.2 examples)', () => {
  assert.equal(swegymImageName('getmoto__moto-5321'), 'docker.io/xingyaoww/sweb.eval.x86_64.getmoto_s_moto-5321');
  assert.equal(swegymImageName('Project-MONAI__MONAI-6144'), 'docker.io/xingyaoww/sweb.eval.x86_64.project-monai_s_monai-6144');
});

test('SWE-bench v2 local names lower-case the id and keep __', () => {
  assert.equal(localInstanceImageName('Project-MONAI__MONAI-6144'), 'sweb.eval.x86_64.project-monai__monai-6144');
  assert.equal(localInstanceImageName('python__mypy-11352', 'arm64'), 'sweb.eval.arm64.python__mypy-11352');
});

test('SWE-bench v3+ remote names: namespace, lower-case, __ -> _1776_', () => {
  assert.equal(swebenchRemoteImageName('django__django-11099'), 'swebench/sweb.eval.x86_64.django_1776_django-11099');
  assert.equal(swebenchRemoteImageName('Project-MONAI__MONAI-6144', 'myns'), 'myns/sweb.eval.x86_64.project-monai_1776_monai-6144');
});

test('templates: placeholders and prefixes', () => {
  const task = { instance_id: 'Project-MONAI__MONAI-6144', repo: 'Project-MONAI/MONAI', version: '1.2' };
  assert.equal(applyImageTemplate('myreg/{id_s}:latest', task), 'myreg/project-monai_s_monai-6144:latest');
  assert.equal(applyImageTemplate('r/{id_1776}', task), 'r/project-monai_1776_monai-6144');
  assert.equal(applyImageTemplate('r/{repo}:{version}-{id_lower}', task), 'r/project-monai__monai:1.2-project-monai__monai-6144');
  assert.equal(applyImageTemplate('{id}', task), 'Project-MONAI__MONAI-6144');
  assert.equal(applyImageTemplate('mirror.local/', task), 'mirror.local/sweb.eval.x86_64.project-monai__monai-6144');
  assert.throws(() => applyImageTemplate('r/{nope}', task), /unknown placeholder \{nope\}/);
});

test("the record's image_name wins, then the template (which replaces the public name), else the naming scheme, then the local build name", () => {
  const task = { instance_id: 'getmoto__moto-5321', image_name: 'custom/img:1' };
  assert.equal(instanceImageName(task, { template: 'x/{id_s}' }), 'custom/img:1');
  assert.deepEqual(instanceImageCandidates({ instance_id: 'getmoto__moto-5321' }, { template: 'x/{id_s}' }), [
    'x/getmoto_s_moto-5321',
    'sweb.eval.x86_64.getmoto__moto-5321',
  ]);
  assert.deepEqual(instanceImageCandidates({ instance_id: 'getmoto__moto-5321' }, { naming: 'swebench' }), [
    'swebench/sweb.eval.x86_64.getmoto_1776_moto-5321',
    'sweb.eval.x86_64.getmoto__moto-5321',
  ]);
});

test('withTag adds :latest only when there is no tag or digest', () => {
  assert.equal(withTag('a/b'), 'a/b:latest');
  assert.equal(withTag('a/b:1'), 'a/b:1');
  assert.equal(withTag('localhost:5000/b'), 'localhost:5000/b:latest');
  assert.equal(withTag('a/b@sha256:00'), 'a/b@sha256:00');
});

test("a SWE-bench 5.x record's own image comes right after image_name, before any derived name", () => {
  const task = { instance_id: 'astropy__astropy-12907', image: 'swebench/sweb.eval.x86_64.astropy_1776_astropy-12907:v1' };
  assert.equal(instanceImageCandidates(task)[0], task.image);
  assert.deepEqual(instanceImageCandidates({ ...task, image_name: 'mine/x:1' }).slice(0, 2), ['mine/x:1', task.image]);
});
