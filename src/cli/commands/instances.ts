import { loadTasks, type LoadedTasks, type TaskRecord } from '../../core/dataset/index.js';
import { sanitize } from '../../core/util/index.js';

export interface InstancesOptions {
  dataset: string;
  /** One instance id a line, nothing else. */
  ids?: boolean;
  instances?: string[];
  regex?: string;
  repo?: string;
  skipInvalid?: boolean;
  json?: boolean;
}

export interface InstancesIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: InstancesIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/**
 * `swegym instances --dataset X`: a table of the records (instance_id, repo, version, FAIL_TO_PASS / PASS_TO_PASS
 * counts), or with --ids one instance id a line. Returns the exit code: 0 when everything loaded, 2 on bad input (the dataset or the selection),
 * 3 when --skip-invalid left some records out (they are listed on stderr).
 */
export async function instancesCommand(opts: InstancesOptions, io: InstancesIo = stdio): Promise<number> {
  let loaded: LoadedTasks;
  try {
    loaded = await loadTasks(opts.dataset, {
      skipInvalid: opts.skipInvalid,
      ids: opts.instances,
      regex: opts.regex,
      repo: opts.repo,
    });
  } catch (err) {
    io.err(`swegym instances: ${sanitize((err as Error).message)}\n`);
    return 2;
  }
  const { tasks, errors, source } = loaded;

  if (opts.json) {
    io.out(
      `${JSON.stringify(
        {
          source,
          tasks: tasks.map((t) => ({ ...summary(t) })),
          errors: errors.map((e) => ({ file: e.file, line: e.line, unit: e.unit, field: e.field, message: e.message })),
        },
        null,
        2,
      )}\n`,
    );
  } else if (opts.ids) {
    for (const t of tasks) io.out(`${sanitize(t.instance_id)}\n`);
  } else {
    io.out(table(tasks));
    io.out(`${tasks.length} instance${tasks.length === 1 ? '' : 's'} from ${sanitize(source.path)} (${source.kind}, sha256 ${source.sha256.slice(0, 12)})\n`);
  }
  for (const note of source.notes) io.err(`note: ${sanitize(note)}\n`);
  if (errors.length > 0) {
    for (const e of errors) io.err(`invalid: ${sanitize(e.message)}\n`);
    io.err(`${errors.length} invalid record${errors.length === 1 ? '' : 's'} skipped\n`);
    return 3;
  }
  return 0;
}

function summary(t: TaskRecord) {
  return { instance_id: t.instance_id, repo: t.repo, version: t.version, FAIL_TO_PASS: t.FAIL_TO_PASS.length, PASS_TO_PASS: t.PASS_TO_PASS.length };
}

function table(tasks: TaskRecord[]): string {
  const head = ['instance_id', 'repo', 'version', 'F2P', 'P2P'];
  const rows = tasks.map((t) => [sanitize(t.instance_id), sanitize(t.repo), sanitize(t.version), String(t.FAIL_TO_PASS.length), String(t.PASS_TO_PASS.length)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = [false, false, false, true, true];
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)].map((l) => `${l}\n`).join('');
}
