import { COMMANDS } from './commands-table.js';

export function printHelp(command?: string): void {
  const spec = command ? COMMANDS[command] : undefined;
  if (spec && command) {
    const pos = (spec.positionals ?? []).map((p) => (p.endsWith('?') ? `[${p.slice(0, -1)}]` : `<${p}>`)).join(' ');
    console.log(`swegym ${command} ${pos}\n\n  ${spec.summary}\n`);
    for (const [flag, o] of Object.entries(spec.options)) {
      const arg = o.type === 'boolean' ? '' : o.type === 'list' ? ' <a,b,...>' : o.type === 'number' ? ' <n>' : ' <value>';
      const def = o.default !== undefined ? ` (default: ${String(o.default)})` : '';
      console.log(`  --${flag}${arg}`.padEnd(34) + `${o.help}${def}`);
    }
    if (spec.notes?.length) console.log(`\n${spec.notes.map((l) => `  ${l}`).join('\n')}`);
    return;
  }
  console.log('swegym — train and evaluate software-engineering agents and their verifiers\n');
  console.log('usage: swegym [command] [options]     (no command: open the workbench)\n');
  for (const [name, s] of Object.entries(COMMANDS)) console.log(`  ${name.padEnd(12)}${s.summary}`);
  console.log("\nRun 'swegym <command> --help' for a command's options.");
}
