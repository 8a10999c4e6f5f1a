import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CommandSpec, NumberRange, OptSpec } from './commands-table.js';

function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** What each range accepts, in the words the error uses. */
const RANGES: Record<NumberRange, { ok: (n: number) => boolean; what: string }> = {
  count: { ok: (n) => Number.isSafeInteger(n) && n >= 1, what: 'a whole number >= 1' },
  index: { ok: (n) => Number.isSafeInteger(n) && n >= 0, what: 'a whole number >= 0' },
  positive: { ok: (n) => n > 0, what: 'a number > 0' },
  nonnegative: { ok: (n) => n >= 0, what: 'a number >= 0' },
  port: { ok: (n) => Number.isInteger(n) && n >= 0 && n <= 65535, what: 'a port number (0-65535)' },
};

/** A number option's value, checked against its declared range (the one place number flags are validated). */
function numberValue(flag: string, o: OptSpec, raw: string): number {
  const text = raw.trim();
  const n = text === '' ? NaN : Number(text);
  const range = o.range ? RANGES[o.range] : undefined;
  if (!Number.isFinite(n) || (range && !range.ok(n))) throw new Error(`--${flag} must be ${range?.what ?? 'a number'} (got '${raw}')`);
  return n;
}

/**
 * `--samples -1`: node's parser takes '-1' for an option and answers "argument is ambiguous". A value that reads as a
 * negative number is a value, so it is joined to its flag (`--samples=-1`) and then refused by the range check with a
 * message that says what the flag accepts.
 */
function joinNegativeValues(spec: CommandSpec, args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const flag = a.startsWith('--') ? a.slice(2) : undefined;
    const o = flag !== undefined ? spec.options[flag] : undefined;
    const next = args[i + 1];
    if (o && o.type !== 'boolean' && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

export function parseCommandArgs(_name: string, spec: CommandSpec, argv: string[]): Record<string, unknown> {
  const args = joinNegativeValues(spec, argv);
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [flag, o] of Object.entries(spec.options) as [string, OptSpec][]) {
    options[flag] = { type: o.type === 'boolean' ? 'boolean' : 'string', multiple: o.type === 'list', ...(o.short ? { short: o.short } : {}) };
  }
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
  const out: Record<string, unknown> = {};
  for (const [flag, raw] of Object.entries(values)) {
    const o = spec.options[flag]!;
    const key = camel(flag);
    if (o.type === 'number') {
      out[key] = numberValue(flag, o, String(raw));
    } else if (o.type === 'list') {
      // Accept both repeated flags and comma-separated values.
      out[key] = (raw as string[]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    } else out[key] = raw;
  }
  for (const [flag, o] of Object.entries(spec.options)) {
    if (o.default !== undefined && out[camel(flag)] === undefined) out[camel(flag)] = o.default;
  }
  const names = spec.positionals ?? [];
  if (positionals.length > names.length) throw new Error(`unexpected argument '${positionals[names.length]}'`);
  names.forEach((p, i) => {
    if (positionals[i] !== undefined) out[camel(p.replace(/\?$/, ''))] = positionals[i];
    else if (!p.endsWith('?')) throw new Error(`missing <${p}>`);
  });
  for (const [flag, o] of Object.entries(spec.options)) {
    if (o.required && out[camel(flag)] === undefined) throw new Error(`--${flag} is required`);
  }
  return out;
}

