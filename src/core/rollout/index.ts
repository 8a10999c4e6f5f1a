/** The rollout area: the one rollout pipeline (agent registry, environment, runRollout, verification) and its settings. Everything cli and tui use from here; deeper paths are the area's own. */
export { AGENTS, TRAJECTORIES_DIR, agentEntry, checkAgent, llmSettingsFrom, modelSettingsFrom, trajectoryFor } from './agents.js';
export { environmentPreflight, imageOptionsFor, namingFor, resolveInstanceImage, type ResolvedInstanceImage } from './environment.js';
export { runPipelineRollout } from './pipeline.js';
export { formatEvent } from './plain-printer.js';
export { type BatchSettings, type RolloutSettings } from './settings.js';
