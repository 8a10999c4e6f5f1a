/**
 * The Moatless prompt texts, read byte for byte from `prompts/moatless/` (transcribed from SWE-Gym/Moatless-Agent-Fork
 * 816c6a2; provenance in `prompts/moatless/provenance.json`). Unlike the CodeAct templates these files are not
 * templates with a trailing-newline convention: each file is exactly the Python constant, so nothing is trimmed.
 * Retry and hand-off texts live in `messages.json` with `{{name}}` slots, filled in one pass.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActionName } from './actions.js';

export const MOATLESS_PROMPT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../prompts/moatless');

export const PROMPT_FILES = {
  searchSystem: 'search_system.txt',
  searchJsonFewShot: 'search_json_few_shot.txt',
  ignoreTest: 'ignore_test.txt',
  identifySystem: 'identify_system.txt',
  decideSystem: 'decide_system.txt',
  coderSystem: 'coder_system.txt',
  selectSpanSystem: 'select_span_system.txt',
  coderFinalSystem: 'coder_final_system.txt',
  clarifySystem: 'clarify_system.txt',
  editRole: 'edit_role.txt',
  editMainObjective: 'edit_main_objective.txt',
  editSearchReplace: 'edit_search_replace.txt',
  editChainOfThought: 'edit_chain_of_thought.txt',
} as const;
export type PromptKey = keyof typeof PROMPT_FILES;

export type MessageKey =
  | 'instructor_json_suffix'
  | 'instructor_reask'
  | 'search_initial_context_intro'
  | 'search_missing_attributes'
  | 'search_test_files'
  | 'search_no_results'
  | 'identify_nothing_relevant'
  | 'identify_search_parameters'
  | 'plan_review_impossible'
  | 'plan_finish_on_review'
  | 'plan_no_action'
  | 'plan_file_not_in_context'
  | 'plan_span_not_found'
  | 'plan_lint_errors'
  | 'clarify_whole_span'
  | 'clarify_signature_only'
  | 'clarify_too_many_tokens'
  | 'edit_no_replace'
  | 'edit_applied'
  | 'edit_applied_scratch_pad'
  | 'edit_not_applied'
  | 'edit_unchanged'
  | 'edit_failed'
  | 'loop_max_transitions'
  | 'loop_max_state_transitions'
  | 'loop_max_retries'
  | 'loop_max_cost';

export class MoatlessPrompts {
  private readonly texts = new Map<string, string>();
  private readonly messages: Record<string, { text: string }>;

  constructor(readonly dir: string = MOATLESS_PROMPT_DIR) {
    const read = (rel: string) => {
      const file = path.join(dir, rel);
      try {
        return readFileSync(file, 'utf8');
      } catch (e) {
        throw new Error(`moatless prompts: cannot read ${file} (${(e as Error).message})`);
      }
    };
    for (const rel of Object.values(PROMPT_FILES)) this.texts.set(rel, read(rel));
    for (const name of ['Search', 'Identify', 'Decision', 'ApplyChange', 'LineNumberClarification']) this.texts.set(`schemas/${name}.json`, read(`schemas/${name}.json`));
    const msgFile = 'messages.json';
    const raw = read(msgFile);
    this.texts.set(msgFile, raw);
    try {
      this.messages = JSON.parse(raw);
    } catch (e) {
      throw new Error(`moatless prompts: ${path.join(dir, msgFile)} is not valid JSON (${(e as Error).message})`);
    }
  }

  text(key: PromptKey): string {
    return this.texts.get(PROMPT_FILES[key])!;
  }

  /** The JSON schema text instructor appended for this action (pydantic model_json_schema, json.dumps indent 2). */
  schema(name: ActionName): string {
    return this.texts.get(`schemas/${name}.json`)!;
  }

  message(key: MessageKey, vars: Record<string, string | number> = {}): string {
    const entry = this.messages[key];
    if (!entry || typeof entry.text !== 'string') throw new Error(`moatless prompts: ${path.join(this.dir, 'messages.json')}: no text for "${key}"`);
    return fill(entry.text, vars, key);
  }

  /** sha256 of every file, for the session manifest. */
  hashes(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [rel, text] of this.texts) out[`moatless/${rel}`] = createHash('sha256').update(text).digest('hex');
    return out;
  }
}

/** One pass over `{{name}}` slots: a value that itself contains `{{x}}` is not scanned again. */
export function fill(template: string, vars: Record<string, string | number>, what = 'template'): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    if (!(name in vars)) throw new Error(`moatless prompts: "${what}" needs a value for {{${name}}}`);
    return String(vars[name]);
  });
}

let shared: MoatlessPrompts | undefined;
/** The bundled prompts, read once. */
export function bundledPrompts(): MoatlessPrompts {
  shared ??= new MoatlessPrompts();
  return shared;
}
