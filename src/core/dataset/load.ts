import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import type { z } from 'zod';
import { TaskRecord } from './schema.js';
import { DatasetError, type DatasetUnit } from './errors.js';
import { parseHfName, resolveHfDataset } from './hf.js';
import { arrayElementLines } from './json-lines.js';
import { instanceIdProblem } from '../util/identifiers.js';
import { SAMPLE_TASKS_FILE } from './samples.js';

export { DatasetError, HubUnreachableError } from './errors.js';

export type DatasetKind = 'json' | 'jsonl' | 'parquet' | 'samples' | 'hf';

export interface LoadOptions {
  /** Load the valid records and return the others' errors (default: the first error throws). */
  skipInvalid?: boolean;
  /** Keep only these instance ids; an id not in the dataset is an error naming it. */
  ids?: string[];
  /** Keep instance ids matching this regular expression. */
  regex?: string;
  /** Keep one repo ("owner/name", any case). */
  repo?: string;
  /** Where Hugging Face downloads go (default $SWEGYM_CACHE_DIR or ~/.cache/swegym). */
  cacheDir?: string;
  /** Hugging Face endpoint (default $SWEGYM_HF_ENDPOINT or https://huggingface.co). */
  hfEndpoint?: string;
}

export interface DatasetSource {
  kind: DatasetKind;
  /** The file (or, for several parquet shards, the folder) the tasks were read from. */
  path: string;
  /** sha256 of the file; for several files, sha256 of their "sha256  name" lines. */
  sha256: string;
  files: string[];
  /** Things the user should know that are not errors (e.g. a cached copy used because the hub was unreachable). */
  notes: string[];
}

export interface LoadedTasks {
  tasks: TaskRecord[];
  errors: DatasetError[];
  source: DatasetSource;
}

/** One raw record before validation, with where it came from. */
interface RawRecord {
  file: string;
  unit: DatasetUnit;
  n: number;
  value: unknown;
}

/**
 * Load task records from a .json file (an array, or an object holding rows), a .jsonl file, a .parquet file
 * (or a folder of them), the word `samples` (the bundled sample tasks) or a Hugging Face dataset name
 * (`owner/name[:split]`), validate them against the task schema and apply the filters.
 */
export async function loadTasks(source: string, opts: LoadOptions = {}): Promise<LoadedTasks> {
  const { kind, files, displayPath, notes } = await resolveSource(source, opts);
  const raws: RawRecord[] = [];
  const errors: DatasetError[] = [];
  const fail = (e: DatasetError) => {
    if (!opts.skipInvalid) throw e;
    errors.push(e);
  };

  for (const file of files) {
    const format = kind === 'hf' ? 'parquet' : formatOf(file);
    if (format === 'parquet') raws.push(...(await readParquet(file)));
    else {
      const text = decodeUtf8(file, await readFile(file), fail);
      if (format === 'jsonl') raws.push(...readJsonl(file, text, fail));
      else raws.push(...readJson(file, text));
    }
  }

  const tasks: TaskRecord[] = [];
  const seen = new Map<string, RawRecord>();
  for (const raw of raws) {
    const result = TaskRecord.safeParse(dropNullOptionals(raw.value));
    // A hostile id (newline, escape bytes) is named by the instance_id issue itself, quoted; not echoed raw here.
    const idGuess = instanceIdOf(raw.value);
    if (!result.success) {
      const issues = result.error.issues;
      const detail = issues
        .map((issue, i) => (i === 0 ? '' : `field ${fieldOf(issue) ?? '(record)'}: `) + describeIssue(issue, raw.value))
        .join('; ');
      fail(new DatasetError(raw.file, raw.n, fieldOf(issues[0]), detail, { unit: raw.unit, instanceId: idGuess }));
      continue;
    }
    const task = result.data;
    // Case-folded: image names are lower case, so `A__b-1` and `a__b-1` would share one image.
    const key = task.instance_id.toLowerCase();
    const first = seen.get(key);
    if (first) {
      const where = first.file === raw.file ? `${first.unit} ${first.n}` : `${first.file} ${first.unit} ${first.n}`;
      const same = instanceIdOf(first.value) === task.instance_id;
      fail(new DatasetError(raw.file, raw.n, 'instance_id', `duplicate instance_id ${task.instance_id}${same ? '' : ` (differs only in case from ${instanceIdOf(first.value)})`} (first seen at ${where})`, { unit: raw.unit }));
      continue;
    }
    seen.set(key, raw);
    tasks.push(task);
  }

  return {
    tasks: applyFilters(tasks, opts, displayPath),
    errors,
    source: { kind, path: displayPath, sha256: await hashFiles(files), files, notes },
  };
}

function applyFilters(tasks: TaskRecord[], opts: LoadOptions, file: string): TaskRecord[] {
  let out = tasks;
  if (opts.ids && opts.ids.length > 0) {
    for (const id of opts.ids) {
      const problem = instanceIdProblem(id);
      if (problem) throw new DatasetError(file, undefined, undefined, `--instances: ${problem}`);
    }
    const known = new Set(tasks.map((t) => t.instance_id));
    const unknown = opts.ids.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new DatasetError(file, undefined, undefined, `unknown instance id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
    }
    const wanted = new Set(opts.ids);
    out = out.filter((t) => wanted.has(t.instance_id));
  }
  if (opts.regex !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(opts.regex);
    } catch (err) {
      throw new DatasetError(file, undefined, undefined, `invalid --regex ${JSON.stringify(opts.regex)}: ${(err as Error).message}`);
    }
    out = out.filter((t) => re.test(t.instance_id));
  }
  if (opts.repo !== undefined) {
    const repo = opts.repo.toLowerCase();
    out = out.filter((t) => t.repo.toLowerCase() === repo);
  }
  return out;
}

async function resolveSource(
  source: string,
  opts: LoadOptions,
): Promise<{ kind: DatasetKind; files: string[]; displayPath: string; notes: string[] }> {
  if (source === 'samples') {
    const file = SAMPLE_TASKS_FILE;
    return { kind: 'samples', files: [file], displayPath: file, notes: [] };
  }
  const st = await stat(source).catch(() => undefined);
  if (st?.isDirectory()) {
    const files = (await readdir(source, { recursive: true }))
      .filter((f) => f.endsWith('.parquet'))
      .sort()
      .map((f) => join(source, f));
    if (files.length === 0) throw new DatasetError(source, undefined, undefined, 'folder holds no .parquet files');
    return { kind: 'parquet', files, displayPath: source, notes: [] };
  }
  if (st?.isFile()) {
    const format = formatOf(source);
    if (!format) {
      throw new DatasetError(source, undefined, undefined, `unknown dataset file type ${JSON.stringify(extname(source))}: expected .json, .jsonl or .parquet`);
    }
    return { kind: format, files: [source], displayPath: source, notes: [] };
  }
  const hf = parseHfName(source);
  if (hf) {
    const resolved = await resolveHfDataset(hf, { endpoint: opts.hfEndpoint, cacheDir: opts.cacheDir });
    return { kind: 'hf', files: resolved.files, displayPath: resolved.files.length === 1 ? resolved.files[0] : resolved.dir, notes: resolved.notes };
  }
  throw new DatasetError(source, undefined, undefined, "no such file, and not a Hugging Face dataset name (owner/name[:split]) or 'samples'");
}


function formatOf(file: string): 'json' | 'jsonl' | 'parquet' | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.parquet') return 'parquet';
  return undefined;
}

function readJsonl(file: string, text: string, fail: (e: DatasetError) => void): RawRecord[] {
  const out: RawRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    try {
      out.push({ file, unit: 'line', n: i + 1, value: JSON.parse(line) });
    } catch (err) {
      fail(new DatasetError(file, i + 1, undefined, `invalid JSON: ${(err as Error).message}`));
    }
  }
  return out;
}

/** Keys an object may hold its records under, besides a lone array-valued key. */
const ROW_KEYS = ['rows', 'data', 'instances', 'tasks', 'train'];

function readJson(file: string, text: string): RawRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new DatasetError(file, undefined, undefined, `invalid JSON: ${(err as Error).message}`);
  }
  const lines = arrayElementLines(text);
  const withLines = (items: unknown[], key: string): RawRecord[] => {
    const ls = lines.get(key);
    return items.map((value, i) =>
      ls && ls.length === items.length ? { file, unit: 'line', n: ls[i], value } : { file, unit: 'record', n: i + 1, value },
    );
  };
  if (Array.isArray(doc)) return withLines(doc, '');
  if (doc && typeof doc === 'object') {
    const obj = doc as Record<string, unknown>;
    if ('instance_id' in obj) return [{ file, unit: 'line', n: 1, value: obj }];
    const key =
      ROW_KEYS.find((k) => Array.isArray(obj[k])) ??
      (() => {
        const arrays = Object.keys(obj).filter((k) => Array.isArray(obj[k]));
        return arrays.length === 1 ? arrays[0] : undefined;
      })();
    if (key !== undefined) {
      // The hub's /rows API wraps each record as {row_idx, row: {...}}.
      const items = (obj[key] as unknown[]).map((r) =>
        r && typeof r === 'object' && 'row' in r && (r as { row: unknown }).row && typeof (r as { row: unknown }).row === 'object'
          ? (r as { row: unknown }).row
          : r,
      );
      return withLines(items, key);
    }
  }
  throw new DatasetError(file, undefined, undefined, `expected an array of task records, or an object holding them under one of: ${ROW_KEYS.join(', ')}`);
}

async function readParquet(file: string): Promise<RawRecord[]> {
  let rows: Record<string, unknown>[];
  try {
    rows = (await parquetReadObjects({ file: await asyncBufferFromFile(file) })) as Record<string, unknown>[];
  } catch (err) {
    throw new DatasetError(file, undefined, undefined, `cannot read parquet: ${(err as Error).message}`);
  }
  return rows.map((row, i) => ({ file, unit: 'row', n: i + 1, value: plainValue(row) }));
}

/** Parquet gives BigInt for int64 and typed arrays for some lists; turn them into JSON-friendly values. */
function plainValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<unknown>, plainValue);
  if (Array.isArray(v)) return v.map(plainValue);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainValue(x)]));
  }
  return v;
}

/** Optional text fields exported as null (pandas / parquet) mean "absent". */
const NULLABLE = ['hints_text', 'created_at', 'environment_setup_commit', 'image_name', 'eval_script', 'log_parser', 'eval_type', 'image', 'image_assets'];
function dropNullOptionals(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const obj = { ...(v as Record<string, unknown>) };
  for (const k of NULLABLE) if (obj[k] === null) delete obj[k];
  return obj;
}

function instanceIdOf(v: unknown): string | undefined {
  const id = v && typeof v === 'object' ? (v as { instance_id?: unknown }).instance_id : undefined;
  return typeof id === 'string' && id !== '' && !instanceIdProblem(id) ? id : undefined;
}

/**
 * Strict UTF-8: a record with bytes that are not UTF-8 is an error naming the file, the line and (when the bad bytes
 * sit inside a string value) the field, instead of being loaded with U+FFFD in place of the bytes.
 */
function decodeUtf8(file: string, buf: Buffer, fail: (e: DatasetError) => void): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    /* find the lines below */
  }
  const lossy = new TextDecoder('utf-8').decode(buf);
  const lines = lossy.split('\n');
  const bad: number[] = [];
  lines.forEach((l, i) => {
    if (l.includes('\uFFFD') && !buf.subarray(...lineSpan(buf, i)).equals(Buffer.from(l, 'utf8'))) bad.push(i);
  });
  for (const i of bad) {
    let field: string | undefined;
    let id: string | undefined;
    try {
      const v = JSON.parse(lines[i]!) as Record<string, unknown>;
      field = Object.keys(v).find((k) => typeof v[k] === 'string' && (v[k] as string).includes('\uFFFD'));
      id = instanceIdOf(v);
    } catch {
      /* a .json document spread over lines, or broken JSON: the line is enough */
    }
    fail(new DatasetError(file, i + 1, field, 'invalid UTF-8 bytes (the file must be UTF-8)', { instanceId: id }));
  }
  // With skipInvalid the bad lines are dropped; the rest loads.
  return lines.map((l, i) => (bad.includes(i) ? '' : l)).join('\n');
}

/** Byte range [start, end) of line i (0-based) of a buffer. */
function lineSpan(buf: Buffer, i: number): [number, number] {
  let start = 0;
  for (let n = 0; n < i; n++) start = buf.indexOf(0x0a, start) + 1;
  const nl = buf.indexOf(0x0a, start);
  return [start, nl < 0 ? buf.length : nl];
}

function fieldOf(issue: z.core.$ZodIssue): string | undefined {
  return issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
}

const TEST_LISTS = new Set(['FAIL_TO_PASS', 'PASS_TO_PASS']);

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.path.length === 0 && issue.code === 'invalid_type') return 'record must be a JSON object';
  const key = String(issue.path[0]);
  if (TEST_LISTS.has(key) && (issue.code === 'invalid_union' || issue.code === 'custom' || issue.code === 'invalid_type')) {
    const given = (value as Record<string, unknown>)[key];
    return `${given === undefined ? 'is missing; it ' : ''}must be a list of test ids or a JSON-encoded list of strings`;
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return 'is missing';
  return issue.message;
}

async function hashFiles(files: string[]): Promise<string> {
  const shas: string[] = [];
  for (const f of files) shas.push(createHash('sha256').update(await readFile(f)).digest('hex'));
  if (shas.length === 1) return shas[0];
  const lines = files.map((f, i) => `${shas[i]}  ${basename(f)}\n`).join('');
  return createHash('sha256').update(lines).digest('hex');
}
