import type { TaskRecord } from '../../src/core/dataset/schema.js';
import type { ReplyStep } from '../helpers/scripted-openai-server.js';
import { workspaceDirFor } from '../../src/core/rollout/workspace.js';

/** The sample task the scripted model solves (a one-line regex fix in durations/parser.py). */
export const SCRIPTED_INSTANCE = 'swegym-samples__durations-12';

/**
 * A scripted "model" that behaves like a CodeAct agent on SCRIPTED_INSTANCE: explores the repo, reproduces the
 * bug, edits the file with str_replace_editor, re-runs the reproduction and the tests, and finishes. Native tool
 * calls, usage reported. Shared by the integration test and samples/trajectories/record.ts.
 */
export function scriptedFixReplies(task: TaskRecord): ReplyStep[] {
  const ws = workspaceDirFor(task);
  const usage = (p: number, c: number) => ({ prompt_tokens: p, completion_tokens: c });
  const call = (id: string, name: string, args: Record<string, unknown>, content: string | null, u: [number, number]): ReplyStep => ({
    content,
    tool_calls: [{ id, name, arguments: args }],
    finish_reason: 'tool_calls',
    usage: usage(...u),
  });
  const repro = `cd ${ws} && python3 -c "from durations import parse_duration; print(parse_duration('1 h 30 m'), parse_duration('2 hours 5 minutes'))"`;
  return [
    call('call_1', 'str_replace_editor', { command: 'view', path: ws }, "I'll start by exploring the repository structure.", [1800, 40]),
    call('call_2', 'execute_bash', { command: `ls -R ${ws}/durations ${ws}/tests | head -40` }, 'The workspace is a link; let me list the package and the tests.', [2000, 45]),
    call('call_3', 'execute_bash', { command: `grep -rn "_TOKEN" ${ws}/durations` }, 'Where are the terms tokenised?', [2300, 40]),
    call('call_4', 'str_replace_editor', { command: 'view', path: `${ws}/durations/parser.py`, view_range: [1, 20] }, null, [2500, 50]),
    call('call_5', 'execute_bash', { command: repro }, 'Let me reproduce the error first.', [2900, 70]),
    call(
      'call_6',
      'str_replace_editor',
      {
        command: 'str_replace',
        path: `${ws}/durations/parser.py`,
        old_str: '_TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)([a-zA-Z]+)")',
        new_str: '_TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]+)")',
      },
      'The token pattern requires the unit to follow the number directly. Allow whitespace between them.',
      [3200, 120],
    ),
    call('call_7', 'execute_bash', { command: repro }, 'Now the reproduction again.', [3500, 60]),
    call('call_8', 'execute_bash', { command: `cd ${ws} && python3 -m pytest -q tests/test_parse.py 2>&1 | tail -n 3` }, 'And the existing tests.', [3800, 50]),
    call('call_9', 'finish', {}, 'Spaces between a number and its unit are accepted now, and the tests pass.', [4000, 30]),
  ];
}

export const SCRIPTED_KEY_ENV = 'SWEGYM_SCRIPTED_KEY';

/** LlmAgent configuration for the scripted server (the key comes from an env map given to the agent, never a file). */
export function scriptedAgentConfig(baseURL: string) {
  return { baseURL, model: 'scripted-codeact', apiKeyEnv: SCRIPTED_KEY_ENV, temperature: 0, max_turns: 30 };
}
