/** The export area: training data (SFT, verifier data) and predictions from sessions. Everything cli and tui use from here; deeper paths are the area's own. */
export { toPredictionLines } from './predictions.js';
export { exportMoatlessSft, exportMoatlessVerifier, exportPredictions, exportSft, exportVerifier, metaPath } from './session-export.js';
export { type SftFormat } from './sft.js';
