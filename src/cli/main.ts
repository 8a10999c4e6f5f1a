import { COMMANDS } from './commands-table.js';
import { parseCommandArgs } from './parse-args.js';
import { printHelp } from './help.js';
import { VERSION } from '../core/version.js';
import { sanitize } from '../core/util/sanitize.js';
import { InvalidIdentifierError } from '../core/util/identifiers.js';
import { DatasetError } from '../core/dataset/errors.js';

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

// `swegym instances --ids | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Bad input found deep in a command (an identifier, a dataset record) is still bad input: exit 2.
    if (err instanceof InvalidIdentifierError || err instanceof DatasetError) {
      console.error(sanitize(`swegym: ${err.message}`));
      process.exitCode = 2;
      return;
    }
    // Error texts quote files, endpoints and container output: untrusted, so stripped like every other output.
    console.error(sanitize(`swegym: ${err instanceof Error ? err.message : String(err)}`));
    if (process.env.SWEGYM_DEBUG && err instanceof Error) console.error(err.stack);
    process.exitCode = 1;
  },
);
