/**
 * bench/verify-output: what a verification's test output costs when a test prints N MiB (default 1024), against
 * baselines measured in the same run:
 *   plain   `docker run ... | wc -c` of the same command (wall time; the output is counted by a shell pipe);
 *   before  the capture verify.ts did before (the shell session's 64 Mi-character head/tail cap, on today's exec channel), without the grading
 *           read-back (which read the whole file into one Buffer: at 1 GiB that alone is over 1 GB);
 *   now     verify.ts's path: the output streamed to a capped test_output.txt (eval-output.ts), then graded from that
 *           file line by line (LogsEvalFold through getEvalReportStreamed).
 * Each swegym mode runs in its own child process, so its peak RSS is its own (sampled every 50 ms).
 * Targets (issue 16): at most 2x the plain run's wall time, under 300 MB of peak RSS.
 *
 *   node --import tsx bench/verify-output.ts [--image swegym-base:dev] [--mib 1024] [--lines junk|status]
 *
 * --lines junk (default): 1 MiB lines of `x`, as the review's conftest printed; nothing in them is a status line.
 * --lines status: `tests/test_x.py::test_case_number_0000 PASSED` repeated: every line is one a parser reads, so the
 * capped file keeps them all (that is the log the official harness grades) and grading reads all of it.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerProvider } from '../src/core/runtime/docker.js';
import { EvalOutputFile } from '../src/core/harness/eval-output.js';
import { forEachLineOfFile } from '../src/core/harness/log-lines.js';
import { getEvalReportStreamed } from '../src/core/harness/grading.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const image = arg('image', 'swegym-base:dev');
const mib = Number(arg('mib', '1024'));
const lines = arg('lines', 'junk');
const bytes = mib * 1024 * 1024;
const START = ">>>>> Start Test Output";
const END = ">>>>> End Test Output";
const body =
  lines === 'status'
    ? `yes 'tests/test_x.py::test_case_number_0000 PASSED' | head -c ${bytes}`
    : `l=$(printf '%*s' 1048575 '' | tr ' ' x); while printf '%s\\n' "$l"; do :; done 2>/dev/null | head -c ${bytes}`;
// Markers as eval.sh prints them, and one status line after the flood, so grading has something to grade.
const cmd = `echo '${START}'; ${body}; echo; echo 'PASSED tests/test_x.py::test_after'; echo '${END}'`;

/** The baseline as the review ran it: `docker run ... | wc -c`. */
async function plainRun(): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
  const p = spawn('bash', ['-c', `docker run --rm --network none ${q(image)} bash -c ${q(cmd)} | wc -c`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise((r) => p.on('close', r));
  return { ms: performance.now() - t0, bytes: Number(out.trim()) };
}

interface ModeResult {
  ms: number;
  captureMs: number;
  peakMb: number;
  startMb: number;
  fileBytes?: number;
  verdict?: string;
}

/** One swegym mode, in this (child) process. */
async function runMode(mode: 'before' | 'now'): Promise<ModeResult> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const provider = new DockerProvider({ sessionId: `bench-verify-output-${process.pid}` });
  const rt = await provider.start({ image, labels: { 'io.swegym.role': 'bench' } });
  const startMb = process.memoryUsage().rss / 1e6;
  peak = process.memoryUsage().rss;
  const dir = mkdtempSync(join(tmpdir(), 'swegym-bench-vo-'));
  try {
    const t0 = performance.now();
    if (mode === 'before') {
      await rt.exec(cmd, { timeoutSec: 3600, maxOutputChars: 64 * 1024 * 1024 });
      const ms = performance.now() - t0;
      return { ms, captureMs: ms, peakMb: peak / 1e6, startMb };
    }
    const path = join(dir, 'test_output.txt');
    const out = new EvalOutputFile(path);
    await rt.exec(cmd, { timeoutSec: 3600, onOutput: (c) => out.push(c), maxOutputChars: 64 * 1024 });
    out.close();
    const captureMs = performance.now() - t0;
    const graded = await getEvalReportStreamed(
      { instanceId: 'bench__x-1', repo: 'bench/x', FAIL_TO_PASS: ['tests/test_x.py::test_after'], PASS_TO_PASS: [], patch: 'diff', parser: 'pytest' },
      'swebench',
      (fold) => forEachLineOfFile(path, (l) => fold.line(l)),
    );
    const ms = performance.now() - t0;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { ms, captureMs, peakMb: peak / 1e6, startMb, fileBytes: statSync(path).size, verdict: graded.resolution };
  } finally {
    clearInterval(sampler);
    await rt.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const child = process.argv.indexOf('--child');
  if (child >= 0) {
    const r = await runMode(process.argv[child + 1] as 'before' | 'now');
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const base = await plainRun();
  const modes: Record<string, ModeResult> = {};
  for (const mode of ['before', 'now'] as const) {
    const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2), '--child', mode], { encoding: 'utf8', maxBuffer: 1 << 20 });
    modes[mode] = JSON.parse(out.trim().split('\n').pop()!);
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`output: ${mib} MiB of ${lines} lines`);
  console.log(`plain docker run: ${s(base.ms)} for ${base.bytes} bytes`);
  const b = modes.before!;
  console.log(`before (capture only, 64 Mi-char cap): ${s(b.ms)} (${(b.ms / base.ms).toFixed(2)}x), peak RSS ${b.peakMb.toFixed(0)} MB (${b.startMb.toFixed(0)} MB at start)`);
  const n = modes.now!;
  console.log(
    `now (capture to capped file + grading from it): ${s(n.ms)} (${(n.ms / base.ms).toFixed(2)}x; capture ${s(n.captureMs)}), peak RSS ${n.peakMb.toFixed(0)} MB (${n.startMb.toFixed(0)} MB at start), test_output.txt ${n.fileBytes} bytes, graded ${n.verdict}`,
  );
  console.log(`targets (now): <= 2x plain: ${n.ms / base.ms <= 2 ? 'met' : 'MISSED'}; < 300 MB: ${n.peakMb < 300 ? 'met' : 'MISSED'}`);
}

void main();
