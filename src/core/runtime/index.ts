/** The runtime area: sandboxes on Docker engines (the sandbox lifecycle, the long-lived shell, images, sweeps). Everything cli and tui use from here; deeper paths are the area's own. */
export { DockerProvider, SESSION_LABEL, installCleanupHandlers } from './docker.js';
export { EngineSet } from './engine-set.js';
export { beginSandboxUse, sweepLeftovers, sweepSession } from './lifecycle.js';
export type { PreparedImage, Sandbox, SandboxInfo, SandboxProvider } from './sandbox.js';
export type { Runtime, RuntimeProvider, SweepOptions } from './types.js';
export { listSwegymImages, parseAge, removeImage, selectForPrune, type PruneSelection, type SwegymImage } from './image-admin.js';
export { applyImageTemplate, type ImageNaming } from './image-names.js';
export { ensureInstanceImage } from './images.js';
export { liveContainerIds, removeLiveContainersSync } from './live-containers.js';
export { offlinePreflight } from './offline-gaps.js';
export { loadSpecRegistry, type SpecRegistry } from './spec-registry.js';
export { SWEGYM_LABEL } from './types.js';
