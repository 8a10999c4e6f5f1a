import { readFileSync } from 'node:fs';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { ImportError } from './types.js';

export interface Row {
  line?: number;
  value: unknown;
}

/** Parquet gives BigInt for int64 and typed arrays for some lists; turn them into JSON values. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<unknown>, plain);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** Rows of a JSONL file (line numbers kept; blank lines skipped) or of a Parquet file (row numbers as lines). */
export async function readRows(file: string): Promise<Row[]> {
  if (/\.parquet$/i.test(file)) {
    let rows: unknown[];
    try {
      rows = await parquetReadObjects({ file: await asyncBufferFromFile(file) });
    } catch (e) {
      throw new ImportError(file, undefined, '(file)', `cannot be read as parquet: ${(e as Error).message}`);
    }
    return rows.map((r, i) => ({ line: i + 1, value: plain(r) }));
  }
  const text = readText(file);
  const out: Row[] = [];
  text.split('\n').forEach((l, i) => {
    if (!l.trim()) return;
    try {
      out.push({ line: i + 1, value: JSON.parse(l) });
    } catch (e) {
      throw new ImportError(file, i + 1, '(line)', `is not valid JSON (${(e as Error).message})`);
    }
  });
  return out;
}

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ImportError(file, undefined, '(file)', `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** A whole-file JSON document (SWE-agent / mini-swe-agent trajectories). */
export function readJsonFile(file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new ImportError(file, line, '(file)', `is not valid JSON (${(e as Error).message})`);
  }
}
