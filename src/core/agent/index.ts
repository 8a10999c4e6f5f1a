/** The agent area: what an agent is (Agent, its context and result) and the agents themselves, for cli and tui. Everything cli and tui use from here; deeper paths are the area's own. */
export { type LlmAgentConfigInput } from './llm/config.js';
export { describeMoatlessEvent, requestText, type MoatlessEvent } from './moatless/describe.js';
export { type MoatlessConfigInput } from './moatless/config.js';
export { bundledPrompts } from './moatless/prompts.js';
export { quirkSet } from './moatless/quirks.js';
