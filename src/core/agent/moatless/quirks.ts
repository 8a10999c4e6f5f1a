/**
 * Behaviours of the fork (facts §8.3 plus what the port found) that a careful reimplementation might "fix". By default
 * every one is kept, so rollouts, prompts and SFT data match what SWE-Gym trained on; `--moatless-fix a,b` fixes the
 * named ones. The chosen set is recorded in the session manifest (agent config) and in the `moatless_setup` event.
 */
export const QUIRKS = {
  identify_message_overwritten: {
    fixable: true,
    what: 'IdentifyCode builds "I searched using the following parameters: ..." and then overwrites it, so only "The search returned N results..." reaches SearchCode. Fixed: both are sent.',
  },
  max_rejections_never_triggers: {
    fixable: true,
    what: 'The loop counts the trigger "rejected" but states emit "reject", so max_rejections (2) never ends a rollout (and its counter resets on any other trigger). Fixed: the 2nd "reject" trigger of the rollout ends it as Rejected.',
  },
  exclude_fields_ignored: {
    fixable: false,
    what: 'DecideRelevance -> PlanToCode passes exclude_fields, but Transition reads excluded_fields; inert, because Decision sends no message on finish.',
  },
  initial_context_params_ignored: {
    fixable: true,
    what: 'SearchCode ignores initial_context_tokens/initial_search_results/initial_context_spans_per_file (6000/100/5 in SWE-Gym) and uses 4000 tokens, 50 results, 5 spans per file. Fixed: the configured values are used.',
  },
  few_shot_schema_mismatch: {
    fixable: false,
    what: 'The JSON few-shot examples of SearchCode use class_name/function_name/query at the top level, not search_requests; such replies validate (unknown keys are ignored) as a search with no requests and get "Unfortunately, I didn\u2019t find any relevant results." Kept: it is the prompt the models were trained on.',
  },
  cost_priced_as_claude: {
    fixable: false,
    what: 'Cost is litellm completion_cost at claude-3-5-sonnet-20240620 prices ($3/M in, $15/M out) whatever the model, so max_cost 1.0 is a token budget. Kept.',
  },
  cost_counts_completed_transitions: {
    fixable: true,
    what: 'The cost check sums the actions of completed transitions only, not those of the current state. Fixed: the current state counts too.',
  },
  name_hits_dropped_with_query: {
    fixable: false,
    what: 'Class/function name hits are discarded when the same request also has a query or code_snippet (semantic search answers instead). Lives in the code index.',
  },
  code_snippet_filters_top500: {
    fixable: false,
    what: 'code_snippet is a whitespace-insensitive filter over the 500 nearest chunks, not a repository-wide grep. Lives in the code index.',
  },
  prompt_log_last_attempt_only: {
    fixable: false,
    what: 'prompt_logs/<NN>_<State>.json is overwritten by every call within one transition, so only the last call of a state visit (with its retry turns) becomes SFT data. Kept: the export follows it.',
  },
  clarify_uses_default_token_limit: {
    fixable: true,
    what: 'SWE-Gym set max_tokens_in_edit_prompt 750 for PlanToCode only; ClarifyCodeChange keeps its default 500. Fixed: 750 for both.',
  },
  edit_reject_drops_scratch_pad: {
    fixable: false,
    what: 'After more than 2 failed edits the reject message is rebuilt without the scratch pad; in practice the loop aborts on the 3rd consecutive retry first.',
  },
  verifier_after_block_numbering: {
    fixable: false,
    what: 'The Moatless verifier prompt numbers the after-patch lines "n: line" (before: "(0042) line") and closes the block with a misplaced quote. Kept for the trained verifier.',
  },
} as const;

export type QuirkName = keyof typeof QUIRKS;

/** Names the user may fix. */
export const FIXABLE_QUIRKS = (Object.keys(QUIRKS) as QuirkName[]).filter((q) => QUIRKS[q].fixable);

/** true = the fork's behaviour is kept. */
export type QuirkSet = Record<QuirkName, boolean>;

export function quirkSet(fixed: readonly string[] = []): QuirkSet {
  const out = {} as QuirkSet;
  for (const q of Object.keys(QUIRKS) as QuirkName[]) out[q] = true;
  for (const f of fixed) {
    if (!(f in QUIRKS)) throw new Error(`unknown Moatless quirk "${f}" (fixable: ${FIXABLE_QUIRKS.join(', ')})`);
    if (!QUIRKS[f as QuirkName].fixable) throw new Error(`Moatless quirk "${f}" is kept for fidelity and cannot be fixed (fixable: ${FIXABLE_QUIRKS.join(', ')})`);
    out[f as QuirkName] = false;
  }
  return out;
}
