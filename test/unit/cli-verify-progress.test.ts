import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, checkImageOptions, namingFor, type CommandIo } from '../../src/cli/commands/verify.js';
import type { TaskRecord } from '../../src/core/dataset/schema.js';
import { COMMANDS } from '../../src/cli/commands-table.js';
import { parseCommandArgs } from '../../src/cli/parse-args.js';

function io(isTTY: boolean): CommandIo & { text: () => string } {
  const chunks: string[] = [];
  return { out: () => undefined, err: (t) => void chunks.push(t), isTTY, text: () => chunks.join('') };
}

test('verify progress on a TTY: a live bar redrawn in place (cursor up, clear), verdict lines printed above it', () => {
  const tty = io(true);
  const p = new Progress(tty, 4, 'verify');
  p.phase('a__b-1', 'starting container');
  p.item('a__b-1', 'resolved', '1.2 s');
  p.item('a__b-2', 'unresolved', '0.9 s');
  p.end();
  const t = tty.text();
  assert.match(t, /verify \[\.{24}\] 0\/4  a__b-1: starting container/);
  assert.match(t, /\r\x1b\[J\[1\/4\] a__b-1: resolved 1\.2 s\n/);
  assert.match(t, /verify \[#{12}\.{12}\] 2\/4  resolved 1 · unresolved 1/);
  assert.ok(t.endsWith('\r\x1b[J'), 'the bar is erased at the end');
});

test('verify progress without a TTY: plain lines only, no control sequences, no phase noise', () => {
  const plain = io(false);
  const p = new Progress(plain, 2, 'verify');
  p.phase('a__b-1', 'starting container');
  p.item('a__b-1', 'resolved', '1.2 s');
  p.item('a__b-2', 'patch_apply_failed', 'git apply \x1b[31mfailed');
  p.end();
  assert.equal(plain.text(), '[1/2] a__b-1: resolved 1.2 s\n[2/2] a__b-2: patch_apply_failed git apply failed\n');
});

test('image options reach verify, validate and run from the command line, and are checked', () => {
  for (const cmd of ['verify', 'validate', 'run']) {
    const extra = cmd === 'run' ? ['--instance', 'x'] : [];
    const o = parseCommandArgs(cmd, COMMANDS[cmd]!, [...extra, '--image-template', 'myreg/{id_s}:v1', '--image-naming', 'swebench', '--no-pull', '--repo-source', '/mirror']);
    assert.equal(o.imageTemplate, 'myreg/{id_s}:v1', cmd);
    assert.equal(o.imageNaming, 'swebench', cmd);
    assert.equal(o.noPull, true, cmd);
    assert.equal(o.repoSource, '/mirror', cmd);
  }
  assert.deepEqual(checkImageOptions({ imageTemplate: 'myreg/', imageNaming: 'swegym' }), { template: 'myreg/', naming: 'swegym' });
  assert.throws(() => checkImageOptions({ imageNaming: 'dockerhub' }), /--image-naming must be swegym, swebench or none/);
  assert.throws(() => checkImageOptions({ imageTemplate: 'r/{nope}' }), /unknown placeholder \{nope\}/);
});

test('official image names by dataset: SWE-bench records look for swebench/..._1776_..., SWE-Gym ones for xingyaoww/..._s_...', () => {
  const rec = (repo: string, environment_setup_commit?: string) => ({ instance_id: 'x__y-1', repo, environment_setup_commit }) as TaskRecord;
  assert.equal(namingFor(rec('django/django', 'a'.repeat(40))), 'swebench');
  assert.equal(namingFor(rec('getmoto/moto')), 'swegym');
  assert.equal(namingFor(rec('getmoto/moto', 'a'.repeat(40))), 'swegym');
  assert.equal(namingFor(rec('swegym-samples/ledger')), 'swegym');
});
