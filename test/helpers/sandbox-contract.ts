/**
 * The sandbox lifecycle contract, as test cases any SandboxProvider must pass on real engines: prepare an image,
 * start, exec in the long-lived shell, spawn a process as a two-way stream with its exit code, copy in and out,
 * list by label, stop, remove, sweep (everything / leftovers only / with this process's own). A file registers it
 * once per implementation (test/integration/sandbox-contract.test.ts: one Docker engine;
 * scheduler-two-engines.test.ts: an engine set over two engines), so both are held to the same cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import type { TaskRecord } from '../../src/core/dataset/schema.js';
import type { EnvSpec } from '../../src/core/runtime/env-spec.js';
import type { Sandbox, SandboxProvider } from '../../src/core/runtime/sandbox.js';

export interface ContractSubject {
  provider: SandboxProvider;
  /** The engines its sandboxes may run on (every one of them must be used when that many sandboxes start). */
  engines: string[];
  /** An image every engine has. */
  image: string;
  /** A sample task whose image can be prepared on the provider offline, with its spec and repo source. */
  task: TaskRecord;
  spec: EnvSpec;
  repoSource?: string;
  /**
   * Make a container carrying `labels` whose creating process is gone (a crashed run's leftover), on the engine
   * named; resolves to its id.
   */
  orphan(engine: string, labels: Record<string, string>): Promise<string>;
}

function until(stream: Readable, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      if (buf.includes(text)) done(() => resolve(buf));
    };
    const onEnd = () => done(() => reject(new Error(`stream ended without ${JSON.stringify(text)}; got ${JSON.stringify(buf)}`)));
    const done = (f: () => void) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      f();
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
  });
}

async function drain(stream: Readable): Promise<string> {
  let buf = '';
  for await (const d of stream) buf += (d as Buffer).toString('utf8');
  return buf;
}

/** Registers the contract's cases under `name`; `subject` is awaited by each case (set up in a `before`). */
export function sandboxContract(name: string, subject: () => Promise<ContractSubject>, opts: { skip?: string | false } = {}): void {
  const t = (title: string, fn: (s: ContractSubject, labels: Record<string, string>) => Promise<void>) =>
    test(`${name}: ${title}`, { skip: opts.skip ?? false, timeout: 180_000 }, async () => {
      const s = await subject();
      // Each case its own label, so its listings and sweeps only ever see its own sandboxes.
      const labels = { 'io.swegym.contract': `${name.replace(/\W+/g, '-')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}` };
      try {
        await fn(s, labels);
      } finally {
        await s.provider.sweep(labels);
      }
    });

  t('prepares an instance image and knows its facts', async (s) => {
    const img = await s.provider.prepareImage(s.task, s.spec, { offline: true, pull: false, repoSource: s.repoSource });
    assert.ok(['local', 'built'].includes(img.source), `offline, no pull: found or built (got ${img.source})`);
    const facts = await s.provider.imageFacts(img.image);
    assert.ok(facts && /^sha256:/.test(facts.id) && facts.size > 0, `facts of ${img.image}: ${JSON.stringify(facts)}`);
    assert.equal(await s.provider.imageFacts('swegym-contract/no-such-image:none'), undefined);
  });

  t('starts sandboxes on every engine; the shell keeps state and reports exit codes', async (s, labels) => {
    const boxes: Sandbox[] = [];
    for (let i = 0; i < s.engines.length; i++) boxes.push(await s.provider.start({ image: s.image, labels }));
    assert.deepEqual([...new Set(boxes.map((b) => b.engine))].sort(), [...s.engines].sort(), 'every engine took a sandbox');
    const b = boxes[0]!;
    assert.equal((await b.exec('cd /tmp && export CONTRACT=yes')).exitCode, 0);
    const r = await b.exec('echo "$CONTRACT $(pwd)"; exit 3');
    assert.equal(r.output, 'yes /tmp\n');
    assert.equal(r.exitCode, 3);
    assert.equal((await b.exec('pwd')).output, '/tmp\n', 'the shell survived `exit` and kept its directory');
    const net = await b.exec('ls /sys/class/net');
    assert.equal(net.output.trim(), 'lo', 'no network but loopback');
  });

  t('spawns a process as a two-way stream with its exit code, outside the shell', async (s, labels) => {
    const b = await s.provider.start({ image: s.image, labels });
    const ch = await b.spawn(['sh', '-c', 'read line; echo "got:$line"; echo "to-stderr" >&2; exit 7'], { stdin: true });
    ch.ref(true);
    const err = drain(ch.stderr);
    const got = until(ch.stdout, 'got:ping');
    ch.stdin!.write('ping\n');
    assert.match(await got, /got:ping/);
    assert.equal(await ch.exit, 7);
    assert.equal(await err, 'to-stderr\n');
    const plain = await b.spawn(['true']);
    assert.equal(await plain.exit, 0);
  });

  t('copies files in and out, bytes and mode intact, into directories that do not exist yet', async (s, labels) => {
    const b = await s.provider.start({ image: s.image, labels });
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await b.writeFile('/tmp/contract/deep/all-bytes.bin', bytes, 0o600);
    assert.deepEqual(await b.readFile('/tmp/contract/deep/all-bytes.bin'), bytes);
    assert.equal((await b.exec('stat -c %a /tmp/contract/deep/all-bytes.bin')).output, '600\n');
    await b.exec('printf "from inside" > /tmp/inside.txt && ln -s /tmp/inside.txt /tmp/link.txt');
    assert.equal((await b.readFile('/tmp/link.txt')).toString(), 'from inside', 'a symlink is followed');
    await assert.rejects(b.readFile('/tmp/contract/none'), /no such file/);
  });

  t('lists by label; stop removes a sandbox, twice is fine, and it runs nothing after', async (s, labels) => {
    const a = await s.provider.start({ image: s.image, labels });
    const b = await s.provider.start({ image: s.image, labels: { ...labels, 'io.swegym.contract-role': 'b' } });
    const listed = await s.provider.list(labels);
    assert.deepEqual(listed.map((x) => x.id).sort(), [a.id, b.id].sort());
    for (const x of listed) {
      assert.ok(s.engines.includes(x.engine), `listed on a known engine (${x.engine})`);
      assert.equal(x.labels['io.swegym.contract'], labels['io.swegym.contract']);
      assert.equal(x.labels['io.swegym.session'], s.provider.sessionId, 'labelled with the provider session');
    }
    assert.deepEqual((await s.provider.list({ ...labels, 'io.swegym.contract-role': 'b' })).map((x) => x.id), [b.id]);
    await a.stop();
    await a.stop();
    await assert.rejects(a.exec('true'), /stopped/);
    assert.deepEqual((await s.provider.list(labels)).map((x) => x.id), [b.id]);
    assert.equal(await s.provider.remove([b.id]), 1);
    assert.equal(await s.provider.remove([b.id]), 0, 'one already gone is not counted');
    assert.deepEqual(await s.provider.list(labels), []);
  });

  t("sweeps: everything by label; leftovers only; this process's own only when asked", async (s, labels) => {
    for (let i = 0; i < s.engines.length; i++) await s.provider.start({ image: s.image, labels });
    const orphans: string[] = [];
    for (const e of s.engines) orphans.push(await s.orphan(e, labels));
    const before = await s.provider.list(labels);
    assert.equal(before.length, 2 * s.engines.length);

    // Other processes on a shared engine may sweep the same leftovers at the same moment (a global sweep at their
    // start): what this sweep counts is at most the leftovers; that none remains and the live ones do is the contract.
    const n = await s.provider.sweep(labels, { leftovers: true });
    assert.ok(n <= s.engines.length, `removed ${n}, more than the ${s.engines.length} leftovers`);
    const mine = await s.provider.list(labels);
    assert.equal(mine.length, s.engines.length, 'this live process\'s sandboxes are not leftovers');
    assert.ok(orphans.every((o) => !mine.some((m) => m.id === o)));

    assert.equal(await s.provider.sweep(labels, { leftovers: true, includeOwn: true }), s.engines.length);
    assert.deepEqual(await s.provider.list(labels), []);

    await s.provider.start({ image: s.image, labels });
    assert.equal(await s.provider.sweep(labels), 1, 'without options: every sandbox with the labels');
    assert.equal(await s.provider.sweep(labels), 0);
  });
}
