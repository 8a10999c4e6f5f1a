import { COMMANDS } from './commands-table.js';
import { parseCommandArgs } from './parse-args.js';
import { printHelp } from './help.js';
import { VERSION } from '../core/version.js';
import { sanitize, InvalidIdentifierError, ConfigError } from '../core/util/index.js';
import { DatasetError } from '../core/dataset/index.js';

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
  const run = await spec.load();
  return run(opts);
}

let stdoutGone = false;
// `swegym instances --ids | head` or `swegym batch ... | head -1` closes the pipe early. That is not an error, and it
// must not end the work either (exiting here skipped a batch's shutdown: rollouts left 'running', containers left):
// the command keeps going without output on stdout, and its exit code still says how it ended.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  if (stdoutGone) return;
  stdoutGone = true;
  process.stdout.write = ((_chunk: unknown, enc?: unknown, cb?: unknown) => {
    const done = typeof enc === 'function' ? enc : cb;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof process.stdout.write;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Bad input found deep in a command (an identifier, a dataset record) is still bad input: exit 2.
    if (err instanceof InvalidIdentifierError || err instanceof DatasetError || err instanceof ConfigError) {
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
