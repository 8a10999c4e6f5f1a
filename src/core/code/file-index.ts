/**
 * One Python file's share of the code index: its EpicSplitter chunks and its class/function names (in the post-order
 * the fork's `index_callback` fills the name maps). Files are independent, so the index is built from these pieces:
 * in parallel (index-worker.ts) and from a content-addressed cache, so a checkout that shares most files with one
 * already indexed (another commit of the same repository) only parses the files that changed.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CodeBlock, Module } from './codeblock.js';
import { DEFAULT_CHUNK_SETTINGS, EpicSplitter, type CodeChunk } from './chunker.js';
import { makeCodeFile, type CodeFile } from './repository.js';

/** Bump when the parser, chunker or this record change what a file's entry holds. */
export const FILE_INDEX_FORMAT = 1;

export interface FileIndex {
  path: string;
  /** The parser refused the file (the fork logs and skips it). */
  skipped: boolean;
  chunks: CodeChunk[];
  /** [identifier, block path] of CLASS blocks, post-order. */
  classes: [string, string[]][];
  /** [identifier, block path] of FUNCTION blocks, post-order. */
  functions: [string, string[]][];
}

function postOrder(b: CodeBlock, visit: (b: CodeBlock) => void): void {
  for (const c of b.children) postOrder(c, visit);
  visit(b);
}

function names(module: Module): Pick<FileIndex, 'classes' | 'functions'> {
  const classes: [string, string[]][] = [];
  const functions: [string, string[]][] = [];
  postOrder(module, (b) => {
    if (b.type === 'CLASS') classes.push([b.identifier ?? 'None', b.fullPath()]);
    else if (b.type === 'FUNCTION') functions.push([b.identifier ?? 'None', b.fullPath()]);
  });
  return { classes, functions };
}

const splitter = new EpicSplitter(DEFAULT_CHUNK_SETTINGS);

/** Parse and chunk one file; `file` is the parsed CodeFile (for seeding a FileRepository), null when skipped. */
export function indexFile(path: string, content: string): { entry: FileIndex; file: CodeFile } {
  const file = makeCodeFile(path, content);
  if (!file.module) return { entry: { path, skipped: true, chunks: [], classes: [], functions: [] }, file };
  return { entry: { path, skipped: false, chunks: splitter.chunkFile(path, file.module), ...names(file.module) }, file };
}

/** Content address of a file's entry: format, path (chunk ids and categories depend on it) and content. */
export function fileIndexKey(path: string, content: string): string {
  return createHash('sha256').update(`${FILE_INDEX_FORMAT}\0${path}\0`).update(content).digest('hex');
}

function entryPath(cacheDir: string, key: string): string {
  return join(cacheDir, 'files', key.slice(0, 2), `${key}.json`);
}

export async function readFileIndex(cacheDir: string, key: string, path: string): Promise<FileIndex | null> {
  try {
    const e = JSON.parse(await readFile(entryPath(cacheDir, key), 'utf8')) as FileIndex;
    return e.path === path ? e : null;
  } catch {
    return null;
  }
}

export async function writeFileIndex(cacheDir: string, key: string, entry: FileIndex): Promise<void> {
  const path = entryPath(cacheDir, key);
  await mkdir(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, JSON.stringify(entry));
  await rename(tmp, path);
}
