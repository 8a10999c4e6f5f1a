/** The harness area: SWE-bench-exact verification (eval script, parsers, grading), validation and reports. Everything cli and tui use from here; deeper paths are the area's own. */
export { loadPredictions } from './predictions.js';
export { defaultProfileFor, getProfile, harnessStampsFor } from './profiles.js';
export { LOG_EVAL_SCRIPT, LOG_INSTANCE, LOG_TEST_OUTPUT, runSummaryFileName } from './report.js';
export { ProfileName, type Verdict } from './types.js';
export { validateDataset } from './validate.js';
export { runEvaluation } from './verify.js';
