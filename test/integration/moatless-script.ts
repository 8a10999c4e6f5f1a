/**
 * A scripted Moatless "model" for the sample task swegym-samples__durations-12 (a one-line regex fix in
 * durations/parser.py): a Search whose first reply lacks scratch_pad (re-asked), Identify, Decide, a plan to edit the
 * `docstring` span (lines 1-9, where _TOKEN lives), the edit in <replace>, finish. Shared by the integration and e2e tests.
 */
import type { ReplyStep } from '../helpers/scripted-openai-server.js';

export const INSTANCE = 'swegym-samples__durations-12';
const usage = { prompt_tokens: 1000, completion_tokens: 50 };
const reply = (content: string): ReplyStep => ({ content, finish_reason: 'stop', usage });

export const FIXED_HEAD = [
  '"""Turn strings like "1h30m" or "2d, 4h" into a number of seconds."""',
  '',
  'import re',
  '',
  'from .errors import DurationError',
  'from .units import unit_seconds',
  '',
  '_TOKEN = re.compile(r"(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]+)")',
  '_SEPARATORS = " ,\\t"',
].join('\n');

export const SCRIPT: ReplyStep[] = [
  // SearchCode: the few-shot shape without scratch_pad fails validation and is re-asked.
  reply('{"function_names": ["parse_duration"]}'),
  reply(JSON.stringify({ scratch_pad: 'The tokenizer of parse_duration rejects a space inside a term.', search_requests: [{ function_names: ['parse_duration'] }] })),
  reply(JSON.stringify({ scratch_pad: 'The _TOKEN pattern and parse_duration are relevant.', identified_spans: [{ file_path: 'durations/parser.py', span_ids: ['docstring', 'parse_duration'] }] })),
  reply(JSON.stringify({ scratch_pad: 'All relevant code is here.', relevant: true, complete: true })),
  reply(
    JSON.stringify({
      scratch_pad: 'Allow whitespace between the number and the unit.',
      action: 'modify',
      instructions: 'Change _TOKEN to accept optional whitespace between the number and the unit.',
      file_path: 'durations/parser.py',
      span_id: 'docstring',
    }),
  ),
  // EditCode: the stop word </replace> is withheld by the server, so the reply ends without it.
  reply(`<replace>\n${FIXED_HEAD}\n`),
  reply(JSON.stringify({ scratch_pad: 'Done.', action: 'finish', finish: 'A space between a number and its unit is accepted now.' })),
];

