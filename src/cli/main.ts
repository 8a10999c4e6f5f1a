import { parseArgs, type ParseArgsConfig } from 'node:util';
import { COMMANDS, type CommandSpec, type OptSpec } from './commands-table.js';
import { printHelp } from './help.js';
import { VERSION } from '../core/version.js';

/**
 * `swegym <command> [options]`. Every command lives in its own module, loaded only when it runs,
 * so the CLI starts fast and a broken optional piece never stops the others.
 */
async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V') {
    console.log(VERSION);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    printHelp(rest[0]);
    return 0;
  }
  // No command (or only options): open the workbench.
  const name = first === undefined || first.startsWith('-') ? 'tui' : first;
  const args = name === first ? rest : argv;
  const spec = COMMANDS[name];
  if (!spec) {
    console.error(`swegym: unknown command '${name}'. Run 'swegym --help' for the list.`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    printHelp(name);
    return 0;
  }
  let opts: Record<string, unknown>;
  try {
    opts = parseCommandArgs(name, spec, args);
  } catch (e) {
    console.error(`swegym ${name}: ${(e as Error).message}`);
    return 2;
  }
  const mod = (await import(spec.module)) as Record<string, (o: Record<string, unknown>) => Promise<number>>;
  const fn = mod[spec.export];
  if (typeof fn !== 'function') throw new Error(`internal: ${spec.module} does not export ${spec.export}`);
  return fn(opts);
}

function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function parseCommandArgs(name: string, spec: CommandSpec, args: string[]): Record<string, unknown> {
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`swegym: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.SWEGYM_DEBUG && err instanceof Error) console.error(err.stack);
    process.exitCode = 1;
  },
);
