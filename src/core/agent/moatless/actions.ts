/**
 * The five structured actions of the Moatless v0.0.2 state machine, validated the way instructor 1.3.3 validated them
 * (pydantic `model_validate_json(strict=True)`: exact JSON types, unknown keys ignored except for ApplyChange, whose
 * model allows extras) and re-serialised the way the fork replays them in later prompts (`model_dump_json(indent=2)`:
 * every declared field in declaration order, defaults and nulls included).
 *
 * Field lists follow moatless/find/search_v2.py, find/identify.py, find/decide.py, edit/plan.py, edit/clarify.py and
 * types.py of SWE-Gym/Moatless-Agent-Fork 816c6a2. The error texts imitate pydantic 2.7's (the version the fork pins),
 * because a re-ask shows them to the model; they are a close imitation, not byte-identical for every error kind.
 */

type FieldType = 'str' | 'bool' | 'int' | { list: FieldType } | { model: ModelSpec };

interface FieldSpec {
  name: string;
  type: FieldType;
  /** Required fields have no default. */
  required?: boolean;
  nullable?: boolean;
  default?: unknown;
}

export interface ModelSpec {
  title: string;
  fields: FieldSpec[];
  extraAllowed?: boolean;
}

const SearchRequestSpec: ModelSpec = {
  title: 'SearchRequest',
  fields: [
    { name: 'file_pattern', type: 'str', nullable: true, default: null },
    { name: 'query', type: 'str', nullable: true, default: null },
    { name: 'code_snippet', type: 'str', nullable: true, default: null },
    { name: 'class_names', type: { list: 'str' }, default: [] },
    { name: 'function_names', type: { list: 'str' }, default: [] },
  ],
};

const FileWithSpansSpec: ModelSpec = {
  title: 'FileWithSpans',
  fields: [
    { name: 'file_path', type: 'str', required: true },
    { name: 'span_ids', type: { list: 'str' }, default: [] },
  ],
};

export const ACTION_SPECS = {
  Search: {
    title: 'Search',
    fields: [
      { name: 'scratch_pad', type: 'str', required: true },
      { name: 'search_requests', type: { list: { model: SearchRequestSpec } }, default: [] },
      { name: 'complete', type: 'bool', nullable: true, default: false },
    ],
  },
  Identify: {
    title: 'Identify',
    fields: [
      { name: 'scratch_pad', type: 'str', required: true },
      { name: 'identified_spans', type: { list: { model: FileWithSpansSpec } }, nullable: true, default: null },
    ],
  },
  Decision: {
    title: 'Decision',
    fields: [
      { name: 'scratch_pad', type: 'str', required: true },
      { name: 'relevant', type: 'bool', default: false },
      { name: 'complete', type: 'bool', default: false },
      { name: 'search_suggestions', type: 'str', nullable: true, default: null },
    ],
  },
  ApplyChange: {
    title: 'ApplyChange',
    extraAllowed: true,
    fields: [
      { name: 'scratch_pad', type: 'str', required: true },
      { name: 'action', type: 'str', required: true },
      { name: 'instructions', type: 'str', nullable: true, default: null },
      { name: 'file_path', type: 'str', nullable: true, default: null },
      { name: 'span_id', type: 'str', nullable: true, default: null },
      { name: 'reject', type: 'str', nullable: true, default: null },
      { name: 'finish', type: 'str', nullable: true, default: null },
    ],
  },
  LineNumberClarification: {
    title: 'LineNumberClarification',
    fields: [
      { name: 'scratch_pad', type: 'str', required: true },
      { name: 'start_line', type: 'int', required: true },
      { name: 'end_line', type: 'int', required: true },
      { name: 'reject', type: 'bool', nullable: true, default: null },
    ],
  },
} satisfies Record<string, ModelSpec>;

export type ActionName = keyof typeof ACTION_SPECS;

export interface SearchRequest {
  file_pattern: string | null;
  query: string | null;
  code_snippet: string | null;
  class_names: string[];
  function_names: string[];
}
export interface SearchAction {
  scratch_pad: string;
  search_requests: SearchRequest[];
  complete: boolean | null;
}
export interface FileWithSpans {
  file_path: string;
  span_ids: string[];
}
export interface IdentifyAction {
  scratch_pad: string;
  identified_spans: FileWithSpans[] | null;
}
export interface DecisionAction {
  scratch_pad: string;
  relevant: boolean;
  complete: boolean;
  search_suggestions: string | null;
}
export interface ApplyChangeAction {
  scratch_pad: string;
  action: string;
  instructions: string | null;
  file_path: string | null;
  span_id: string | null;
  reject: string | null;
  finish: string | null;
  [extra: string]: unknown;
}
export interface LineNumberClarificationAction {
  scratch_pad: string;
  start_line: number;
  end_line: number;
  reject: boolean | null;
}
export interface ActionTypes {
  Search: SearchAction;
  Identify: IdentifyAction;
  Decision: DecisionAction;
  ApplyChange: ApplyChangeAction;
  LineNumberClarification: LineNumberClarificationAction;
}

interface LineError {
  loc: (string | number)[];
  msg: string;
  type: string;
  input: unknown;
}

export class ActionValidationError extends Error {
  constructor(
    readonly title: string,
    readonly errors: LineError[],
  ) {
    super(formatPydanticErrors(title, errors));
    this.name = 'ActionValidationError';
  }
}

/** Parse JSON text into the named action (strict types, defaults filled), or throw ActionValidationError. */
export function validateActionJson<N extends ActionName>(name: N, text: string): ActionTypes[N] {
  const spec = ACTION_SPECS[name] as ModelSpec;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ActionValidationError(spec.title, [{ loc: [], msg: `Invalid JSON: ${serdeMessage(text, e)}`, type: 'json_invalid', input: text }]);
  }
  const errors: LineError[] = [];
  const out = validateModel(spec, raw, [], errors, true);
  if (errors.length) throw new ActionValidationError(spec.title, errors);
  return out as ActionTypes[N];
}

function validateModel(spec: ModelSpec, raw: unknown, loc: (string | number)[], errors: LineError[], top: boolean): Record<string, unknown> | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    errors.push({ loc, msg: top ? 'Input should be an object' : `Input should be a valid dictionary or instance of ${spec.title}`, type: 'model_type', input: raw });
    return undefined;
  }
  const obj = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of spec.fields) {
    if (!(f.name in obj)) {
      if (f.required) errors.push({ loc: [...loc, f.name], msg: 'Field required', type: 'missing', input: raw });
      else out[f.name] = structuredClone(f.default);
      continue;
    }
    const v = obj[f.name];
    if (v === null && f.nullable) {
      out[f.name] = null;
      continue;
    }
    out[f.name] = validateValue(f.type, v, [...loc, f.name], errors);
  }
  if (spec.extraAllowed) for (const [k, v] of Object.entries(obj)) if (!spec.fields.some((f) => f.name === k)) out[k] = v;
  return out;
}

function validateValue(type: FieldType, v: unknown, loc: (string | number)[], errors: LineError[]): unknown {
  if (type === 'str') {
    if (typeof v !== 'string') errors.push({ loc, msg: 'Input should be a valid string', type: 'string_type', input: v });
    return v;
  }
  if (type === 'bool') {
    if (typeof v !== 'boolean') errors.push({ loc, msg: 'Input should be a valid boolean', type: 'bool_type', input: v });
    return v;
  }
  if (type === 'int') {
    if (typeof v !== 'number' || !Number.isInteger(v)) errors.push({ loc, msg: 'Input should be a valid integer', type: 'int_type', input: v });
    return v;
  }
  if ('list' in type) {
    if (!Array.isArray(v)) {
      errors.push({ loc, msg: 'Input should be a valid list', type: 'list_type', input: v });
      return v;
    }
    return v.map((item, i) => validateValue(type.list, item, [...loc, i], errors));
  }
  return validateModel(type.model, v, loc, errors, false);
}

/** pydantic's `str(ValidationError)`. */
export function formatPydanticErrors(title: string, errors: LineError[]): string {
  const lines = [`${errors.length} validation error${errors.length === 1 ? '' : 's'} for ${title}`];
  for (const e of errors) {
    if (e.loc.length) lines.push(e.loc.join('.'));
    lines.push(`  ${e.msg} [type=${e.type}, input_value=${truncateRepr(pyRepr(e.input))}, input_type=${pyTypeName(e.input)}]`);
    lines.push(`    For further information visit https://errors.pydantic.dev/2.7/v/${e.type}`);
  }
  return lines.join('\n');
}

function truncateRepr(s: string): string {
  return s.length > 50 ? `${s.slice(0, 25)}...${s.slice(-24)}` : s;
}

function pyTypeName(v: unknown): string {
  if (v === null) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  switch (typeof v) {
    case 'string':
      return 'str';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    default:
      return 'dict';
  }
}

/** Python's repr() of a JSON value. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === 'string') return pyStr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${pyStr(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}

function pyFloat(n: number): string {
  const s = String(n);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function pyStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) out += '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** serde_json's wording for the common parse failures (what pydantic-core reports after "Invalid JSON: "). */
function serdeMessage(text: string, e: unknown): string {
  if (text.trim() === '') return `EOF while parsing a value at line ${text.split('\n').length} column ${text.length - text.lastIndexOf('\n') - 1}`;
  const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
  const pos = m ? Number(m[1]) : text.length;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  if (pos >= text.length) return `EOF while parsing an object at line ${line} column ${Math.max(0, col - 1)}`;
  return `expected value at line ${line} column ${col}`;
}

/**
 * pydantic `model_dump_json(indent=2)` of a validated action: declared fields in order (nested models the same way),
 * then ApplyChange's extra keys. Non-ASCII stays as it is, like pydantic's serializer.
 */
export function dumpActionJson(name: ActionName, action: Record<string, unknown>): string {
  return JSON.stringify(orderModel(ACTION_SPECS[name] as ModelSpec, action), null, 2);
}

function orderModel(spec: ModelSpec, v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of spec.fields) out[f.name] = orderValue(f.type, f.name in v ? v[f.name] : structuredClone(f.default));
  if (spec.extraAllowed) for (const [k, x] of Object.entries(v)) if (!spec.fields.some((f) => f.name === k)) out[k] = x;
  return out;
}

function orderValue(type: FieldType, v: unknown): unknown {
  if (v === null || v === undefined) return v ?? null;
  if (typeof type === 'object' && 'list' in type && Array.isArray(v)) return v.map((x) => orderValue(type.list, x));
  if (typeof type === 'object' && 'model' in type && typeof v === 'object') return orderModel(type.model, v as Record<string, unknown>);
  return v;
}
