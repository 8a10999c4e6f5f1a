/** Small helpers shared by every area (sanitising untrusted text, identifiers, progress, seeded randomness). Everything cli and tui use from here; deeper paths are the area's own. */
export { InvalidIdentifierError, sessionNameProblem } from './identifiers.js';
export { type Progress, type ProgressStart } from './progress.js';
export { seededRandom } from './rng.js';
export { capMiddle, sanitize, terminalSafeJson } from './sanitize.js';
export { ConfigError } from './config-error.js';
