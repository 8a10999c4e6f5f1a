import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CommandSpec, OptSpec } from './commands-table.js';

function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function parseCommandArgs(_name: string, spec: CommandSpec, args: string[]): Record<string, unknown> {
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
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error(`--${flag} needs a number, got '${String(raw)}'`);
      out[key] = n;
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

