/**
 * The text ("mock function calling") format SWE-Gym's Qwen models were trained on, as OpenHands' fn_call_converter
 * (CodeActAgent 2.2 era, the SWE-Gym fork) wrote it: a function-description block appended to the system prompt,
 * calls as `<function=NAME>` / `<parameter=P>` blocks, results as user messages. Byte-exactness matters: trained
 * models and the verifier depend on these strings (see test/fixtures/agent-golden/).
 */
import type { Tool } from './tool-types.js';
import { paramType, toFunctionSpec, type FunctionSpec } from './llm/tool-spec.js';

export const STOP_WORDS = ['</function'];
export const TOOL_RESULT_PREFIX = (name: string) => `EXECUTION RESULT of [${name}]:\n`;
export const ERROR_OBSERVATION_SUFFIX = '\n[Error occurred in processing last action]';

const SUFFIX_HEAD = '\nYou have access to the following functions:\n\n';
/** The SWE-Gym fork's template has no closing `</IMPORTANT>` tag (added upstream later). */
const SUFFIX_TAIL = `

If you choose to call a function ONLY reply in the following format with NO suffix:

<function=example_function_name>
<parameter=example_parameter_1>value_1</parameter>
<parameter=example_parameter_2>
This is the value for the second parameter
that can span
multiple lines
</parameter>
</function>

<IMPORTANT>
Reminder:
- Function calls MUST follow the specified format, start with <function= and end with </function>
- Required parameters MUST be specified
- Only call one function at a time
- You may provide optional reasoning for your function call in natural language BEFORE the function call, but NOT after.
- If there is no function call available, answer the question like normal with your current knowledge and do not tell the user about function calls
`;

/** `---- BEGIN FUNCTION #i: name ----` ... `---- END FUNCTION #i ----` for every tool, in order. */
export function renderFunctionBlock(tools: Tool[]): string {
  let out = '';
  tools.forEach((tool, i) => {
    const fn = toFunctionSpec(tool);
    if (i > 0) out += '\n';
    out += `---- BEGIN FUNCTION #${i + 1}: ${fn.name} ----\n`;
    out += `Description: ${fn.description}\n`;
    if (fn.parameters) {
      out += 'Parameters:\n';
      const required = new Set(fn.parameters.required ?? []);
      Object.entries(fn.parameters.properties).forEach(([name, info], j) => {
        let desc = info.description ?? 'No description provided';
        if (Array.isArray(info.enum)) desc += `\nAllowed values: [${info.enum.map((v) => `\`${pyStr(v)}\``).join(', ')}]`;
        out += `  (${j + 1}) ${name} (${paramType(info)}, ${required.has(name) ? 'required' : 'optional'}): ${desc}\n`;
      });
    } else {
      out += 'No parameters are required for this function.\n';
    }
    out += `---- END FUNCTION #${i + 1} ----\n`;
  });
  return out;
}

/** What gets appended to the system prompt in text mode. */
export function systemPromptSuffix(tools: Tool[]): string {
  return SUFFIX_HEAD + renderFunctionBlock(tools) + SUFFIX_TAIL;
}

/** Python `str()` of a JSON value, as OpenHands' f-string rendered argument values. */
export function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === 'string') return pyStrRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v as object).map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}
function pyFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
  return String(n);
}
function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  if (q === "'") body = body.replace(/'/g, "\\'");
  return q + body + q;
}

/** `<function=NAME>\n<parameter=P>value</parameter>\n...</function>`; multi-line string values get wrapped in newlines. */
export function formatCall(name: string, params: Record<string, unknown>): string {
  let out = `<function=${name}>\n`;
  for (const [k, v] of Object.entries(params)) {
    const multiline = typeof v === 'string' && v.includes('\n');
    out += `<parameter=${k}>`;
    if (multiline) out += '\n';
    out += pyStr(v);
    if (multiline) out += '\n';
    out += '</parameter>\n';
  }
  return out + '</function>';
}

/**
 * Models served with the stop word `</function` return the call without its closing tag; put it back so the
 * call parses (and the history shows a well-formed call).
 */
export function restoreStopWord(text: string): string {
  if (!text.includes('<function=')) return text;
  if (/<\/function>\s*$/.test(text)) return text;
  if (text.endsWith('</function')) return text + '>';
  if (text.endsWith('</')) return text + 'function>';
  return text + (text.endsWith('\n') ? '' : '\n') + '</function>';
}

export interface ParsedCall {
  name: string;
  args: Record<string, unknown>;
}
export interface ParseResult {
  /** Text before the first `<function=` (the model's reasoning), stripped. */
  thought: string;
  calls: ParsedCall[];
  /** First validation error (OpenHands' FunctionCallValidationError text); when set, `calls` is empty. */
  error?: string;
}

const FN_REGEX = /<function=([^>]+)>\n([\s\S]*?)<\/function>/g;
const PARAM_REGEX = /<parameter=([^>]+)>([\s\S]*?)<\/parameter>/g;

/** Parse every `<function=...>` call in a reply and validate it against the tools (names, types, enums, required). */
export function parseCalls(text: string, tools: Tool[]): ParseResult {
  const thought = text.split('<function=')[0].trim();
  const calls: ParsedCall[] = [];
  for (const m of text.matchAll(FN_REGEX)) {
    const name = m[1];
    const tool = tools.find((t) => t.name === name);
    if (!tool) {
      return { thought, calls: [], error: `Function '${name}' not found in available tools: ${pyRepr(tools.map((t) => t.name))}` };
    }
    try {
      calls.push({ name, args: extractParams(toFunctionSpec(tool), m[2]) });
    } catch (e) {
      return { thought, calls: [], error: (e as Error).message };
    }
  }
  return { thought, calls };
}

function pySet(items: string[]): string {
  return `{${items.map((s) => pyStrRepr(s)).join(', ')}}`;
}

/**
 * The one rule for arguments a tool does not declare, in text and native mode alike (OpenHands' behaviour):
 * - a tool with parameters refuses them, in the words of OpenHands' text-mode check (fn_call_converter.py
 *   `_extract_and_validate_params`, a FunctionCallValidationError that becomes an error observation). OpenHands'
 *   native path refused them too (`CmdRunAction(**arguments)` / `file_editor(**arguments)` raise on an unknown
 *   keyword), only less legibly; SWE-Gym's models were trained on the text-mode message;
 * - a tool without parameters (`finish`) ignores them: the check there is guarded by `if allowed_params`, and the
 *   native path built `AgentFinishAction()` without looking at the arguments.
 * Returns the error text, or undefined when the names are fine (the caller drops undeclared ones of a tool
 * without parameters).
 */
export function undeclaredArgumentError(fn: FunctionSpec, names: Iterable<string>): string | undefined {
  const allowed = Object.keys(fn.parameters?.properties ?? {});
  if (allowed.length === 0) return undefined;
  for (const name of names) {
    if (!allowed.includes(name)) return `Parameter '${name}' is not allowed for function '${fn.name}'. Allowed parameters: ${pySet(allowed)}`;
  }
  return undefined;
}

function extractParams(fn: FunctionSpec, body: string): Record<string, unknown> {
  const props = fn.parameters?.properties ?? {};
  const required = fn.parameters?.required ?? [];
  const params: Record<string, unknown> = {};
  for (const pm of body.matchAll(PARAM_REGEX)) {
    const pname = pm[1];
    let value: unknown = pm[2].trim();
    if (!(pname in props)) {
      const error = undeclaredArgumentError(fn, [pname]);
      if (error) throw new Error(error);
      continue; // a tool without parameters ignores them
    }
    const info = props[pname];
    const type = paramType(info);
    if (type === 'integer') {
      if (!/^[+-]?\d+(_\d+)*$/.test(value as string)) throw new Error(`Parameter '${pname}' is expected to be an integer.`);
      value = parseInt((value as string).replace(/_/g, ''), 10);
    } else if (type === 'array') {
      try {
        value = JSON.parse(value as string);
      } catch {
        throw new Error(`Parameter '${pname}' is expected to be an array.`);
      }
    } else if (type === 'number') {
      const n = Number(value);
      if (value === '' || Number.isNaN(n)) throw new Error(`Parameter '${pname}' is expected to be a number.`);
      value = n;
    } else if (type === 'boolean') {
      const s = (value as string).toLowerCase();
      if (s !== 'true' && s !== 'false') throw new Error(`Parameter '${pname}' is expected to be a boolean.`);
      value = s === 'true';
    }
    if (Array.isArray(info.enum) && !info.enum.some((e) => e === value)) {
      throw new Error(`Parameter '${pname}' is expected to be one of ${pyRepr(info.enum)}.`);
    }
    params[pname] = value;
  }
  const missing = required.filter((r) => !(r in params));
  if (missing.length > 0) throw new Error(`Missing required parameters for function '${fn.name}': ${pySet(missing)}`);
  return params;
}

/** OpenHands' default in-context example for non-function-calling models (execute_bash, str_replace_editor, finish). */
export const IN_CONTEXT_EXAMPLE_SUFFIX = `
--------------------- END OF NEW TASK DESCRIPTION ---------------------

PLEASE follow the format strictly! PLEASE EMIT ONE AND ONLY ONE FUNCTION CALL PER MESSAGE.
`;
