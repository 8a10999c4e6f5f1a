import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage } from '../../events.js';

/** The judge prompt of SWE-Gym's outcome verifier (facts §6.2), as editable templates in prompts/verifier/. */
const BUILTIN_DIR = new URL('../../../../prompts/verifier/', import.meta.url).pathname;

export interface JudgePrompt {
  system: string;
  user: string;
}

export function loadJudgeTemplates(dir?: string): JudgePrompt {
  const pick = (name: string): string => {
    const user = dir ? join(dir, name) : undefined;
    const path = user && existsSync(user) ? user : join(BUILTIN_DIR, name);
    return readFileSync(path, 'utf8').replace(/\n$/, '');
  };
  return { system: pick('system.txt'), user: pick('user.txt') };
}

export function judgeMessages(trajectory: string, templates: JudgePrompt): ChatMessage[] {
  return [
    { role: 'system', content: templates.system },
    { role: 'user', content: templates.user.replace('{{trajectory}}', () => trajectory) },
  ];
}

/** Chat templates that render [system, user, assistant-prefix] into one completion prompt, assistant turn left open. */
export const CHAT_TEMPLATES = {
  /** Qwen2.5 / ChatML, the SWE-Gym verifier's base model template. */
  chatml: (msgs: ChatMessage[], assistantPrefix: string): string =>
    msgs.map((m) => `<|im_start|>${m.role}\n${m.content ?? ''}<|im_end|>\n`).join('') + `<|im_start|>assistant\n${assistantPrefix}`,
  /** Llama 3 instruct. */
  llama3: (msgs: ChatMessage[], assistantPrefix: string): string =>
    '<|begin_of_text|>' +
    msgs.map((m) => `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content ?? ''}<|eot_id|>`).join('') +
    `<|start_header_id|>assistant<|end_header_id|>\n\n${assistantPrefix}`,
} as const;
export type ChatTemplateName = keyof typeof CHAT_TEMPLATES;

export const JUDGEMENT_OPEN = '<judgement>';
export const CHOICES = { yes: ' YES', no: ' NO' } as const;
