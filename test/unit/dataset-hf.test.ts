import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { HubUnreachableError, loadTasks } from '../../src/core/dataset/load.js';

const JSONL = fileURLToPath(new URL('../fixtures/datasets/tasks.jsonl', import.meta.url));

function parquetBytes(): Uint8Array {
  const recs = readFileSync(JSONL, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const list = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as string[]) : (v as string[]));
  const cols = ['instance_id', 'repo', 'base_commit', 'patch', 'test_patch', 'problem_statement', 'hints_text', 'created_at', 'version'];
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        ...cols.map((name) => ({ name, data: recs.map((r) => (r[name] ?? null) as string | null), type: 'STRING' as const })),
        { name: 'FAIL_TO_PASS', data: recs.map((r) => list(r.FAIL_TO_PASS)) },
        { name: 'PASS_TO_PASS', data: recs.map((r) => list(r.PASS_TO_PASS)) },
      ],
    }),
  );
}

/** A tiny stand-in for the hub's API for one dataset, on 127.0.0.1: info, /parquet listing, shard redirect, file. */
async function startHub(): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const bytes = parquetBytes();
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '';
    requests.push(path);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/api/datasets/SWE-Gym/SWE-Gym-Lite') return json(200, { id: 'SWE-Gym/SWE-Gym-Lite', sha: '0123abcd' });
    if (path === '/api/datasets/SWE-Gym/SWE-Gym-Lite/parquet') {
      return json(200, { default: { train: [`${base}/api/datasets/SWE-Gym/SWE-Gym-Lite/parquet/default/train/0.parquet`] } });
    }
    if (path === '/api/datasets/SWE-Gym/SWE-Gym-Lite/parquet/default/train/0.parquet') {
      res.writeHead(302, { location: `${base}/datasets/SWE-Gym/SWE-Gym-Lite/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet` });
      return res.end();
    }
    if (path === '/datasets/SWE-Gym/SWE-Gym-Lite/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) });
      return res.end(bytes);
    }
    return json(404, { error: 'Repository not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A 127.0.0.1 port with nothing listening: connections are refused at once. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

test('HF name resolves through the hub API, downloads the parquet into the cache, and reuses it', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'swegym-hf-'));
  const hub = await startHub();
  try {
    const first = await loadTasks('SWE-Gym/SWE-Gym-Lite', { hfEndpoint: hub.url, cacheDir });
    assert.equal(first.source.kind, 'hf');
    assert.deepEqual(first.tasks.map((t) => t.instance_id), ['getmoto__moto-101', 'python__mypy-202', 'getmoto__moto-303']);
    assert.deepEqual(first.tasks[1].PASS_TO_PASS.length, 3);
    assert.ok(first.source.path.startsWith(cacheDir), first.source.path);
    assert.ok(existsSync(first.source.path));
    assert.deepEqual(hub.requests, [
      '/api/datasets/SWE-Gym/SWE-Gym-Lite',
      '/api/datasets/SWE-Gym/SWE-Gym-Lite/parquet',
      '/api/datasets/SWE-Gym/SWE-Gym-Lite/parquet/default/train/0.parquet',
      '/datasets/SWE-Gym/SWE-Gym-Lite/resolve/refs%2Fconvert%2Fparquet/default/train/0000.parquet',
    ]);

    hub.requests.length = 0;
    const second = await loadTasks('SWE-Gym/SWE-Gym-Lite:train', { hfEndpoint: hub.url, cacheDir, ids: ['python__mypy-202'] });
    assert.deepEqual(second.tasks.map((t) => t.instance_id), ['python__mypy-202']);
    assert.equal(second.source.sha256, first.source.sha256);
    assert.deepEqual(hub.requests, ['/api/datasets/SWE-Gym/SWE-Gym-Lite', '/api/datasets/SWE-Gym/SWE-Gym-Lite/parquet'], 'same revision: no new download');

    await assert.rejects(loadTasks('SWE-Gym/SWE-Gym-Lite:test', { hfEndpoint: hub.url, cacheDir }), /has no split "test" in config "default"; splits: train/);
    await assert.rejects(loadTasks('SWE-Gym/No-Such-Set', { hfEndpoint: hub.url, cacheDir }), /answered 404 for dataset SWE-Gym\/No-Such-Set/);

    // The hub goes away: the copy downloaded before is used, and the user is told so.
    await hub.close();
    const offline = await loadTasks('SWE-Gym/SWE-Gym-Lite', { hfEndpoint: hub.url, cacheDir });
    assert.equal(offline.tasks.length, 3);
    assert.equal(offline.source.notes.length, 1);
    assert.match(offline.source.notes[0], /could not be reached .*using the copy downloaded earlier/);
  } finally {
    await hub.close().catch(() => {});
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('HF name with no hub reachable: a fast, clear error with the manual step', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'swegym-hf-'));
  const endpoint = await closedPort();
  try {
    const t0 = Date.now();
    await assert.rejects(loadTasks('SWE-Gym/SWE-Gym-Lite', { hfEndpoint: endpoint, cacheDir }), (err: unknown) => {
      assert.ok(err instanceof HubUnreachableError);
      assert.match(err.message, new RegExp(`Could not reach the Hugging Face hub at ${endpoint} to load dataset SWE-Gym/SWE-Gym-Lite \\(ECONNREFUSED\\)`));
      assert.match(err.message, new RegExp(`curl -L -o swe-gym-lite-train\\.parquet ${endpoint}/api/datasets/SWE-Gym/SWE-Gym-Lite/parquet/default/train/0\\.parquet`));
      assert.match(err.message, /--dataset \.\/swe-gym-lite-train\.parquet/);
      return true;
    });
    assert.ok(Date.now() - t0 < 3000, 'fails fast');

    // The endpoint also comes from SWEGYM_HF_ENDPOINT.
    const saved = process.env.SWEGYM_HF_ENDPOINT;
    process.env.SWEGYM_HF_ENDPOINT = endpoint;
    try {
      await assert.rejects(loadTasks('SWE-Gym/SWE-Gym:train', { cacheDir }), (err: unknown) =>
        err instanceof HubUnreachableError && err.message.includes(`hub at ${endpoint} to load dataset SWE-Gym/SWE-Gym`));
    } finally {
      if (saved === undefined) delete process.env.SWEGYM_HF_ENDPOINT;
      else process.env.SWEGYM_HF_ENDPOINT = saved;
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
