import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpecRegistry, readSpecFile, SpecFileError } from '../../src/core/runtime/spec-registry.js';
import { PARSER_NAMES } from '../../src/core/harness/parsers.js';
import { offlineGaps } from '../../src/core/runtime/offline-gaps.js';
import { buildSpecHash } from '../../src/core/runtime/image-key.js';
import { EnvSpec } from '../../src/core/runtime/env-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'env-spec-validation-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const spec = (inner: string) => `{\n  "source": "test",\n  "repos": {\n    "a/b": {\n      "1.0": {\n        "test_cmd": "pytest",\n${inner}\n      }\n    }\n  }\n}\n`;

test('an unknown key is an error at load naming file, line and the key, with the known keys', () => {
  const f = file('typo.json', spec('        "instal": "pip install -e ."'));
  assert.throws(() => readSpecFile(f), (e: unknown) => {
    assert.ok(e instanceof SpecFileError);
    assert.equal(e.line, 7);
    assert.match(e.message, new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7: \\$\\.repos\\["a/b"\\]\\["1\\.0"\\]\\.instal: unknown key "instal"`));
    assert.match(e.message, /known keys: .*install/);
    return true;
  });
  // And at the file level.
  const top = file('top.json', '{\n  "source": "t",\n  "repos": {},\n  "harness": "4.1"\n}\n');
  assert.throws(() => readSpecFile(top), /top\.json:4: \$\.harness: unknown key "harness" \(known keys: source, harness_version, repos/);
});

test('an unknown parser is an error at load naming the parsers the harness has', () => {
  const f = file('parser.json', spec('        "parser": "pytets"'));
  assert.throws(() => loadSpecRegistry([f], { builtinDir: dir + '/none' }), (e: unknown) => {
    assert.ok(e instanceof SpecFileError);
    assert.match(e.message, /parser\.json:7: \$\.repos\["a\/b"\]\["1\.0"\]\.parser: unknown parser/);
    for (const p of PARSER_NAMES) assert.ok(e.message.includes(p), p);
    return true;
  });
});

test('every built-in spec file loads under the strict schema', () => {
  const reg = loadSpecRegistry();
  assert.ok(reg.repos().length >= 11);
});

test('offline gaps: what Debian cannot give, and installs from local files are fine', () => {
  assert.deepEqual(offlineGaps(EnvSpec.parse({ test_cmd: 'pytest', python: '3.11' })), []);
  assert.deepEqual(
    offlineGaps(EnvSpec.parse({ test_cmd: 'pytest', python: '3.9', packages: 'requirements.txt', pip_packages: ['a==1'], install: 'pip install -e . && echo ok', pre_install: ['apt-get install -y libxml2'] })).map((g) => g.key),
    ['python', 'packages', 'pip_packages', 'install'],
  );
  // A Debian-only spec: pip told to use local files only needs no network.
  assert.deepEqual(offlineGaps(EnvSpec.parse({ test_cmd: 'pytest', python: '3.11', install: 'python3 -m pip install --no-index --no-build-isolation --no-deps -e .' })), []);
  // Another Python from the base packages is fine too.
  assert.deepEqual(offlineGaps(EnvSpec.parse({ test_cmd: 'pytest', python: '3.9', base_packages: ['python3.9'] })), []);
});

test('the build hash ignores eval-only keys and key order', () => {
  const a = EnvSpec.parse({ test_cmd: 'pytest', install: 'x', pre_install: ['y'] });
  assert.equal(buildSpecHash(a), buildSpecHash(EnvSpec.parse({ pre_install: ['y'], install: 'x', test_cmd: 'pytest -x', parser: 'django', test_timeout: 5 })));
  assert.notEqual(buildSpecHash(a), buildSpecHash(EnvSpec.parse({ test_cmd: 'pytest', install: 'x', pre_install: ['z'] })));
});
