import type { ChatMessage } from '../events.js';
import type { TaskRecord } from '../dataset/schema.js';
import type { Verdict } from '../harness/types.js';

/** One candidate (a finished rollout) as a verifier sees it. */
export interface Candidate {
  rolloutId: string;
  instanceId: string;
  /** The task record; absent for imported sessions whose dataset is not available (only the llm/tests verifiers work then). */
  task?: TaskRecord;
  sample: number;
  patch: string;
  /** The trajectory as chat messages (text tool format or native tool calls). */
  messages: ChatMessage[];
  /** Ground truth; only the `tests` oracle may read it. */
  verdict?: Verdict;
  /** Moatless rollouts: the `identified_spans` of each Identify action (the Moatless verifier's code spans). */
  identifiedSpans?: { file_path: string; span_ids: string[] }[][];
}

export interface Score {
  /** In [0, 1]. */
  score: number;
  explanation: string;
  /** e.g. 'truncated', 'top_logprobs_fallback', 'parsed_answer_fallback'. */
  flags: string[];
}

/** Scores all candidates of one instance at once (agreement needs them together; the others score one by one). */
export interface Verifier {
  readonly name: string;
  /** True only for the oracle: never used for selection. */
  readonly oracle?: boolean;
  scoreInstance(candidates: Candidate[], signal?: AbortSignal): Promise<Score[]>;
}
