export * from './rng.js';
export * from './pass-at-k.js';
export * from './bootstrap.js';
export * from './report.js';
export * from './best-of-n.js';
