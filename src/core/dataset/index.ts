/** The dataset area: task records (SWE-Gym / SWE-bench instances) from JSON, JSONL, Parquet or the Hub, validated. Everything cli and tui use from here; deeper paths are the area's own. */
export { DatasetError } from './errors.js';
export { jsonPathLine } from './json-lines.js';
export { loadTasks, type LoadedTasks } from './load.js';
export { sampleRepoSource } from './samples.js';
export { type TaskRecord } from './schema.js';
