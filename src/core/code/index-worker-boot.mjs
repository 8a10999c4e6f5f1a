// Entry of the index worker thread: the sources are TypeScript run through tsx, which a worker does not inherit
// when the main thread registered it programmatically (bin/swegym.js); with `node --import tsx` it is inherited.
if (!process.execArgv.some((a) => a.includes('tsx'))) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('./index-worker.ts');
