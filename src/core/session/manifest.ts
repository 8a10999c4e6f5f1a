import { z } from 'zod';
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The manifest format this version writes; readManifest migrates older ones up to it. */
export const MANIFEST_FORMAT = 1;

/**
 * What it takes to reproduce a batch. Written at creation, updated (atomically) as images are resolved and rollouts
 * end. Validated on every read (errors name the file and the field); unknown fields are kept, so a newer swegym's
 * additions survive an older one's updates.
 */
export const SessionManifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    name: z.string().min(1),
    /**
     * Unique per session (random, made at creation; added on first open to sessions from older versions). Containers
     * carry it, so sweeps of one session never touch another that happens to have the same name.
     */
    session_id: z.string().optional(),
    swegym_version: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    dataset: z
      .object({
        /** What the user passed to --dataset (file path, HF name, 'samples'). */
        ref: z.string(),
        /** sha256 of the dataset file (or of the canonical JSON of the selected records when there is no single file). */
        sha256: z.string().optional(),
        /** The selection: every instance counts in report denominators, run or not. */
        instance_ids: z.array(z.string()),
        /** instance id -> owner/name, for per-repository tables. */
        repos: z.record(z.string(), z.string()).optional(),
      })
      .passthrough(),
    /** instance id -> image reference and digest (image id) as used. */
    images: z.record(z.string(), z.object({ image: z.string(), digest: z.string().optional() })),
    harness_profile: z.string().optional(),
    /** Each harness profile the session verifies with and the one official version it reproduces. */
    harness: z.array(z.object({ profile: z.string(), official: z.string() }).passthrough()).optional(),
    env_spec_hashes: z.record(z.string(), z.string()).optional(),
    prompt_template_hashes: z.record(z.string(), z.string()).optional(),
    /** Agent configuration with every secret-looking field removed. */
    agent: z.record(z.string(), z.unknown()),
    verifier: z.record(z.string(), z.unknown()).optional(),
    sampling: z.object({ samples: z.number(), temperatures: z.array(z.number()), seed: z.number() }).passthrough(),
    /** The batch's settings (RolloutSettings / BatchSettings of core/rollout), so `resume` runs the same way. */
    scheduler: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

export type SessionManifest = z.infer<typeof SessionManifestSchema>;

/**
 * Migrations from each older format to the next, applied in order on read (the file itself is rewritten in the new
 * format by the next writer). Format 1 is the first: manifests written before the field existed are format 1.
 */
const MIGRATIONS: Record<number, (m: Record<string, unknown>) => Record<string, unknown>> = {
  0: (m) => ({ ...m, format: 1 }),
};

/** Brings a parsed manifest up to MANIFEST_FORMAT; a newer format than this version knows is an error. */
export function migrateManifest(raw: Record<string, unknown>, where: string): Record<string, unknown> {
  let m = raw;
  let format = typeof m.format === 'number' ? m.format : 0;
  if (format > MANIFEST_FORMAT) throw new Error(`${where}: field 'format': ${format} is newer than this swegym understands (${MANIFEST_FORMAT}); upgrade swegym`);
  while (format < MANIFEST_FORMAT) {
    const step = MIGRATIONS[format];
    if (!step) throw new Error(`${where}: field 'format': no migration from format ${format}`);
    m = step(m);
    format = m.format as number;
  }
  return m;
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
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${p}: not valid JSON (${(e as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${p}: the session manifest must be a JSON object`);
  const r = SessionManifestSchema.safeParse(migrateManifest(raw as Record<string, unknown>, p));
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.join('.') || '(manifest)';
    throw new Error(`${p}: field '${field}' ${issue.code === 'invalid_type' && /received undefined/.test(issue.message) ? 'is missing' : `is invalid: ${issue.message}`}`);
  }
  return r.data;
}
