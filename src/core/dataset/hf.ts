import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { HubUnreachableError } from './errors.js';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';
/** The hub's API answers small JSON; if it takes longer than this, treat it as unreachable. */
const API_TIMEOUT_MS = 8_000;
/** A whole parquet shard (SWE-Gym full is tens of MB). */
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

export interface HfName {
  repo: string; // owner/name
  split?: string;
}

/** `SWE-Gym/SWE-Gym-Lite` or `SWE-Gym/SWE-Gym-Lite:train`; undefined when `s` does not look like a dataset name. */
export function parseHfName(s: string): HfName | undefined {
  const m = /^([A-Za-z0-9][\w.-]*\/[\w.-]+?)(?::([\w.-]+))?$/.exec(s);
  if (!m) return undefined;
  if (/\.(json|jsonl|ndjson|parquet)$/i.test(m[1])) return undefined;
  return { repo: m[1], split: m[2] };
}

export function defaultCacheDir(): string {
  return process.env.SWEGYM_CACHE_DIR ?? join(homedir(), '.cache', 'swegym');
}

export interface HfResolved {
  files: string[];
  /** Folder holding the files. */
  dir: string;
  config: string;
  split: string;
  notes: string[];
}

/**
 * Resolve a hub dataset to local parquet files: ask `GET {endpoint}/api/datasets/{repo}` for the revision and
 * `GET {endpoint}/api/datasets/{repo}/parquet` for the parquet shards of each config/split, then download them into
 * `{cacheDir}/hf/{owner}__{name}/{revision}/{config}/{split}/` (skipped when that revision is already cached).
 * When the hub cannot be reached, a previously downloaded copy is used; without one, HubUnreachableError says
 * exactly how to fetch the file by hand.
 */
export async function resolveHfDataset(
  name: HfName,
  opts: { endpoint?: string; cacheDir?: string } = {},
): Promise<HfResolved> {
  const endpoint = (opts.endpoint ?? process.env.SWEGYM_HF_ENDPOINT ?? DEFAULT_HF_ENDPOINT).replace(/\/+$/, '');
  const base = join(opts.cacheDir ?? defaultCacheDir(), 'hf', name.repo.replace('/', '__'));
  const api = `${endpoint}/api/datasets/${name.repo}`;

  let info: unknown;
  let shards: unknown;
  try {
    info = await getJson(api, name.repo);
    shards = await getJson(`${api}/parquet`, name.repo);
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    const cached = await findCached(base, name.split ?? 'train');
    if (cached) {
      return { ...cached, notes: [`the Hugging Face hub at ${endpoint} could not be reached (${err.message}); using the copy downloaded earlier in ${cached.dir}`] };
    }
    throw new HubUnreachableError(unreachableMessage(endpoint, name, err.message));
  }

  const revision = typeof (info as { sha?: unknown })?.sha === 'string' ? (info as { sha: string }).sha : 'unknown-revision';
  const { config, split, urls } = pickShards(shards, name);
  const dir = join(base, safeSegment(revision), safeSegment(config), safeSegment(split));
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [i, url] of urls.entries()) {
    const file = join(dir, `${String(i).padStart(4, '0')}.parquet`);
    if (!(await exists(file))) await download(url, file, endpoint, name);
    files.push(file);
  }
  return { files, dir, config, split, notes: [] };
}

class NetworkError extends Error {}

async function getJson(url: string, repo: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(API_TIMEOUT_MS), headers: { accept: 'application/json' } });
  } catch (err) {
    throw new NetworkError(describeFetchError(err));
  }
  if (res.status === 401 || res.status === 403 || res.status === 404) {
    throw new Error(`the Hugging Face hub answered ${res.status} for dataset ${repo} (${url}): no such public dataset, or it has no parquet files`);
  }
  if (!res.ok) throw new NetworkError(`HTTP ${res.status} from ${url}`);
  try {
    return await res.json();
  } catch (err) {
    throw new Error(`the Hugging Face hub sent invalid JSON for ${url}: ${(err as Error).message}`);
  }
}

/** The hub's `/parquet` answer is `{ config: { split: [url, ...] } }`; prefer config `default` and split `train`. */
function pickShards(shards: unknown, name: HfName): { config: string; split: string; urls: string[] } {
  if (!shards || typeof shards !== 'object' || Array.isArray(shards)) {
    throw new Error(`unexpected answer from the hub's parquet API for ${name.repo}: expected {config: {split: [urls]}}`);
  }
  const configs = shards as Record<string, Record<string, unknown>>;
  const configNames = Object.keys(configs);
  if (configNames.length === 0) throw new Error(`the hub lists no parquet files for ${name.repo}`);
  const config = configNames.includes('default') ? 'default' : configNames[0];
  const splits = configs[config] ?? {};
  const splitNames = Object.keys(splits);
  const split = name.split ?? (splitNames.includes('train') ? 'train' : splitNames[0]);
  const urls = splits[split];
  if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string')) {
    throw new Error(`dataset ${name.repo} has no split "${split}" in config "${config}"; splits: ${splitNames.join(', ') || '(none)'}`);
  }
  return { config, split, urls: urls as string[] };
}

async function download(url: string, file: string, endpoint: string, name: HfName): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), redirect: 'follow' });
  } catch (err) {
    throw new HubUnreachableError(unreachableMessage(endpoint, name, `download of ${url} failed: ${describeFetchError(err)}`));
  }
  if (!res.ok || !res.body) throw new Error(`downloading ${url} failed: HTTP ${res.status}`);
  const part = `${file}.part`;
  try {
    await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream), createWriteStream(part));
    await rename(part, file);
  } catch (err) {
    await rm(part, { force: true });
    throw new Error(`downloading ${url} to ${file} failed: ${(err as Error).message}`);
  }
}

/** The newest cached revision that holds parquet files for `split`. */
async function findCached(base: string, split: string): Promise<Omit<HfResolved, 'notes'> | undefined> {
  let best: { mtime: number; value: Omit<HfResolved, 'notes'> } | undefined;
  for (const revision of await list(base)) {
    for (const config of await list(join(base, revision))) {
      const dir = join(base, revision, config, split);
      const files = (await list(dir)).filter((f) => f.endsWith('.parquet')).sort().map((f) => join(dir, f));
      if (files.length === 0) continue;
      const mtime = (await stat(dir)).mtimeMs;
      if (!best || mtime > best.mtime) best = { mtime, value: { files, dir, config, split } };
    }
  }
  return best?.value;
}

function unreachableMessage(endpoint: string, name: HfName, cause: string): string {
  const split = name.split ?? 'train';
  const local = `${name.repo.split('/')[1].toLowerCase()}-${split}.parquet`;
  return [
    `Could not reach the Hugging Face hub at ${endpoint} to load dataset ${name.repo} (${cause}).`,
    `This machine seems to have no access to the hub. Manual step: on a machine with network access, download the parquet file of split "${split}":`,
    `  curl -L -o ${local} ${endpoint}/api/datasets/${name.repo}/parquet/default/${split}/0.parquet`,
    `(or take the data/*.parquet files from ${endpoint}/datasets/${name.repo}/tree/main), copy it here and pass its path:`,
    `  --dataset ./${local}`,
  ].join('\n');
}

function describeFetchError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

function safeSegment(s: string): string {
  return s.replace(/[^\w.-]/g, '_');
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
