/** The gym area: the Gym API (reset/step) over warm environments, in-process or over HTTP. Everything cli and tui use from here; deeper paths are the area's own. */
export { coldPrepare, createGymContext } from './context.js';
export { WarmPool } from './pool.js';
export { defaultImageResolver } from './prepare.js';
export { EpisodeRecorder } from './recorder.js';
export { GymServer, isLoopback } from './server.js';
