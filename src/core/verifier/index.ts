/** The verifier area: scoring and selecting among candidate rollouts (llm, regression, agreement, hybrid) and reports. Everything cli and tui use from here; deeper paths are the area's own. */
export { loadCandidates } from './candidates.js';
export { renderChart } from './chart.js';
export { defaultRunnerDeps, verifierByName, type VerifierDeps } from './registry.js';
export { MoatlessOrmPrompter } from './moatless/orm-verifier.js';
export { formatAucTable, formatSelectionChart, formatSelectionTable } from './report-format.js';
export { aucByVerifier, selectionReport, type SelectionReport } from './report.js';
export { scoreSession } from './score-session.js';
