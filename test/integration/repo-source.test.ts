/** --repo-source finds a repository by its base commit (real git on the host, no Docker). */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleOfCommit, findRepoByCommit, repoCandidates } from '../../src/core/runtime/repo-source.js';
import { ImageError } from '../../src/core/runtime/image-error.js';
import { makeTinyRepo } from '../helpers/docker.js';

const repo = makeTinyRepo();
const root = mkdtempSync(join(tmpdir(), 'repo-source-'));
/** Another repository (its own history: two tiny repos made in the same second would have the same commits). */
const other = (() => {
  const dir = join(root, 'other-src');
  const env = { ...process.env, GIT_AUTHOR_NAME: 'o', GIT_AUTHOR_EMAIL: 'o@o', GIT_COMMITTER_NAME: 'o', GIT_COMMITTER_EMAIL: 'o@o' };
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  execFileSync('git', ['-C', dir, 'commit', '-q', '--allow-empty', '-m', 'another repository'], { env });
  return { dir, cleanup: () => undefined };
})();
process.env.SWEGYM_REPO_CACHE = join(root, 'cache');
after(() => {
  repo.cleanup();
  other.cleanup();
  rmSync(root, { recursive: true, force: true });
});

test('by commit in a folder of repositories with any names; name matches are searched first; bundles too', async () => {
  const folder = join(root, 'mirrors');
  mkdirSync(join(folder, 'someone'), { recursive: true });
  execFileSync('git', ['clone', '-q', '--mirror', other.dir, join(folder, 'tiny.git')]); // the right name, the wrong repository
  execFileSync('git', ['clone', '-q', '--mirror', repo.dir, join(folder, 'someone', 'unrelated-name.git')]);
  assert.equal(repoCandidates(folder, 'swegym-test/tiny')[0], join(folder, 'tiny.git'), 'a name match comes first');
  const found = await findRepoByCommit(folder, 'swegym-test/tiny', repo.base);
  assert.equal(found.gitDir, join(folder, 'someone', 'unrelated-name.git'), 'the commit decides, not the name');

  // A bundle file, alone or in a folder.
  const bundles = join(root, 'bundles');
  mkdirSync(bundles);
  execFileSync('git', ['-C', repo.dir, 'bundle', 'create', '-q', join(bundles, 'x.bundle'), '--all']);
  const fromBundle = await findRepoByCommit(bundles, 'swegym-test/tiny', repo.base);
  assert.equal(fromBundle.from, join(bundles, 'x.bundle'));
  assert.equal((await findRepoByCommit(join(bundles, 'x.bundle'), 'a/b', repo.base)).from, join(bundles, 'x.bundle'));
});

test('not found: the error names the repository, the commit and every place looked at', async () => {
  const missing = '0123456789abcdef0123456789abcdef01234567';
  const folder = join(root, 'mirrors');
  await assert.rejects(findRepoByCommit(folder, 'swegym-test/tiny', missing), (e: unknown) => {
    assert.ok(e instanceof ImageError);
    assert.match(e.message, new RegExp(`commit ${missing} of swegym-test/tiny is not in --repo-source ${folder}: looked in `));
    assert.ok(e.message.includes(join(folder, 'tiny.git')) && e.message.includes('unrelated-name.git'), e.message);
    assert.match(e.message, /tiny\.git has the repository's name but not this commit/);
    return true;
  });
  await assert.rejects(findRepoByCommit(join(root, 'nope'), 'a/b', missing), /--repo-source .*nope does not exist \(looking for a\/b at commit 0123456/);
});

test('a bundle of the base commit holds its ancestors only: no tags, no other branches, nothing later', async () => {
  const b = await bundleOfCommit(repo.dir, repo.base, 'swegym-test/tiny');
  try {
    const heads = execFileSync('git', ['bundle', 'list-heads', b.path], { encoding: 'utf8' });
    assert.deepEqual(heads.trim().split('\n').map((l) => l.split(' ')[1]).sort(), ['HEAD', 'refs/heads/main']);
    const clone = join(root, 'clone');
    execFileSync('git', ['clone', '-q', b.path, clone]);
    const all = execFileSync('git', ['-C', clone, 'rev-list', '--all'], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(all.length, 2);
    for (const f of repo.future) assert.ok(!all.includes(f));
  } finally {
    b.cleanup();
  }
});
