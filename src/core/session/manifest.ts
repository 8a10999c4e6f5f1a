import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** What it takes to reproduce a batch. Written at creation, updated (atomically) as images are resolved and rollouts end. */
export interface SessionManifest {
  format: 1;
  name: string;
  /**
   * Unique per session (random, made at creation; added on first open to sessions from older versions). Containers
   * carry it, so sweeps of one session never touch another that happens to have the same name.
   */
  session_id?: string;
  swegym_version: string;
  created_at: string;
  updated_at: string;
  dataset: {
    /** What the user passed to --dataset (file path, HF name, 'samples'). */
    ref: string;
    /** sha256 of the dataset file (or of the canonical JSON of the selected records when there is no single file). */
    sha256?: string;
    /** The selection: every instance counts in report denominators, run or not. */
    instance_ids: string[];
    /** instance id -> owner/name, for per-repository tables. */
    repos?: Record<string, string>;
  };
  /** instance id -> image reference and digest (image id) as used. */
  images: Record<string, { image: string; digest?: string }>;
  harness_profile?: string;
  /** Each harness profile the session verifies with and the one official version it reproduces. */
  harness?: { profile: string; official: string }[];
  env_spec_hashes?: Record<string, string>;
  prompt_template_hashes?: Record<string, string>;
  /** Agent configuration with every secret-looking field removed. */
  agent: Record<string, unknown>;
  verifier?: Record<string, unknown>;
  sampling: { samples: number; temperatures: number[]; seed: number };
  scheduler?: Record<string, unknown>;
  [extra: string]: unknown;
}

const SECRET_KEY = /(api[-_]?key|apikey|token|secret|authorization|password|passwd|credential|cookie|bearer)/i;
/** Values that look like credentials even under an innocent name. */
const SECRET_VALUE = /^(sk-[A-Za-z0-9_-]{8,}|Bearer\s+\S+|gh[pousr]_[A-Za-z0-9]{20,}|xox[abp]-\S+)$/;

/** Deep copy without anything named like a key/token/secret/authorization, and without credential-shaped strings. */
export function scrubSecrets<T>(value: T): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        // `apiKeyEnv` names the variable that holds a key (needed to reproduce a run); it is not a secret.
        if (SECRET_KEY.test(k) && !/(Env|_env|_ENV)$/.test(k)) continue;
        if (typeof x === 'function') continue;
        out[k] = walk(x);
      }
      return out;
    }
    if (typeof v === 'string' && SECRET_VALUE.test(v.trim())) return '[redacted]';
    if (typeof v === 'string') return stripUrlCredentials(v);
    return v;
  };
  return walk(value) as T;
}

/** `https://user:pass@host/...` -> `https://host/...`; query parameters named like secrets dropped. */
function stripUrlCredentials(s: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return s;
  try {
    const u = new URL(s);
    if (!u.username && !u.password && ![...u.searchParams.keys()].some((k) => SECRET_KEY.test(k))) return s;
    u.username = '';
    u.password = '';
    for (const k of [...u.searchParams.keys()]) if (SECRET_KEY.test(k)) u.searchParams.delete(k);
    return u.toString();
  } catch {
    return s;
  }
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256File(path: string): string {
  return sha256(readFileSync(path));
}

/** Write-to-temp, fsync, rename: readers see the old or the new file, never half of one. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(value, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function manifestPath(dir: string): string {
  return join(dir, 'manifest.json');
}

export function readManifest(dir: string): SessionManifest {
  const p = manifestPath(dir);
  let text: string;
  try {
    text = readFileSync(p, 'utf8');
  } catch (e) {
    throw new Error(`${p}: cannot read the session manifest (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let m: SessionManifest;
  try {
    m = JSON.parse(text) as SessionManifest;
  } catch (e) {
    throw new Error(`${p}: not valid JSON (${(e as Error).message})`);
  }
  if (!m || typeof m !== 'object' || !m.dataset || !Array.isArray(m.dataset.instance_ids)) {
    throw new Error(`${p}: field 'dataset.instance_ids' is missing or not a list`);
  }
  if (!m.sampling || typeof m.sampling.samples !== 'number') throw new Error(`${p}: field 'sampling.samples' is missing`);
  return m;
}
