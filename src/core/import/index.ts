import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readSwegym } from './swegym.js';
import { readOpenhands } from './openhands.js';
import { readSweAgent } from './swe-agent.js';
import { readMiniSweAgent } from './mini-swe-agent.js';
import { readMoatless } from './moatless.js';
import { IMPORT_FORMATS, ImportError, type ImportFormat, type ImportedRollout } from './types.js';

export * from './types.js';
export { writeImportedSession, importedEvents } from './write-session.js';

/** Trajectory files under a folder (SWE-agent and mini-swe-agent write one file per instance). */
function trajFiles(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory() && depth < 3) walk(p, depth + 1);
      else if (st.isFile() && pattern.test(name)) out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}

/** Reads a file (or, for swe-agent / mini-swe-agent, a folder of trajectory files) in the given format. */
export async function readImport(path: string, format: string): Promise<ImportedRollout[]> {
  if (!(IMPORT_FORMATS as readonly string[]).includes(format)) {
    throw new ImportError(path, undefined, '--format', `must be one of ${IMPORT_FORMATS.join(', ')} (got ${JSON.stringify(format)})`);
  }
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new ImportError(path, undefined, '(file)', `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const f = format as ImportFormat;
  if (f === 'moatless') return readMoatless(path);
  if (isDir) {
    if (f === 'swe-agent') return trajFiles(path, /\.traj$/).flatMap(readSweAgent);
    if (f === 'mini-swe-agent') return trajFiles(path, /\.traj\.json$/).flatMap(readMiniSweAgent);
    throw new ImportError(path, undefined, '(file)', `is a folder; --format ${f} reads one JSONL or Parquet file`);
  }
  switch (f) {
    case 'swegym':
      return readSwegym(path);
    case 'openhands':
      return readOpenhands(path);
    case 'swe-agent':
      return readSweAgent(path);
    case 'mini-swe-agent':
      return readMiniSweAgent(path);
  }
}
