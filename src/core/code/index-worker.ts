/**
 * Worker thread for a parallel index build: asks the main thread for files, parses and chunks them (indexFile),
 * sends the entries back, until told to stop. Started by index-build.ts through index-worker-boot.mjs.
 */
import { parentPort } from 'node:worker_threads';
import { indexFile, type FileIndex } from './file-index.js';

export type ToWorker = { type: 'work'; items: [string, string][] } | { type: 'end' };
export type FromWorker = { type: 'ready' } | { type: 'done'; entries: FileIndex[] } | { type: 'error'; message: string };

const port = parentPort!;
port.on('message', (m: ToWorker) => {
  if (m.type === 'end') {
    port.close();
    return;
  }
  try {
    port.postMessage({ type: 'done', entries: m.items.map(([path, content]) => indexFile(path, content).entry) } satisfies FromWorker);
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies FromWorker);
  }
});
port.postMessage({ type: 'ready' } satisfies FromWorker);
