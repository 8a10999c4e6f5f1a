/**
 * bench/verify-output: what capturing a verification's output costs, against a plain `docker run` of the same command
 * in the same run. The command prints N MiB (default 1024) of test-like lines; swegym runs it through the shell
 * session with the verification's cap (64 Mi characters kept, head and tail), exactly as eval.sh's output is read.
 * Targets (issue 16): at most 2x the plain run's wall time, under 300 MB of this process's peak RSS.
 * Not measured here: grading, which reads the log back (verdicts' area).
 *
 *   node --import tsx bench/verify-output.ts [--image swegym-base:dev] [--mib 1024]
 */
import { spawn } from 'node:child_process';
import { DockerProvider } from '../src/core/runtime/docker.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const CAP = 64 * 1024 * 1024; // MAX_OUTPUT_CHARS of src/core/harness/verify.ts

/** The baseline as the review ran it: `docker run ... | wc -c` (the output counted by a shell pipe, not by this process). */
async function plainRun(image: string, cmd: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
  const p = spawn('bash', ['-c', `docker run --rm --network none ${q(image)} bash -c ${q(cmd)} | wc -c`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise((r) => p.on('close', r));
  return { ms: performance.now() - t0, bytes: Number(out.trim()) };
}

async function main(): Promise<void> {
  const image = arg('image', 'swegym-base:dev');
  const mib = Number(arg('mib', '1024'));
  // 1 MiB lines like a test report's ("tests/test_x.py::test_n PASSED" repeated), so line handling is exercised too.
  const cmd = `yes 'tests/test_x.py::test_case_number_0000 PASSED' | head -c ${mib * 1024 * 1024}`;
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);

  const base = await plainRun(image, cmd);
  const provider = new DockerProvider({ sessionId: `bench-verify-output-${process.pid}` });
  const rt = await provider.start({ image, labels: { 'io.swegym.role': 'bench' } });
  const rssBefore = process.memoryUsage().rss;
  peak = rssBefore;
  let ms = 0;
  let kept = 0;
  try {
    const t0 = performance.now();
    const r = await rt.exec(cmd, { timeoutSec: 1800, maxOutputChars: CAP });
    ms = performance.now() - t0;
    kept = r.output.length;
  } finally {
    await rt.stop();
    clearInterval(sampler);
  }
  const ratio = ms / base.ms;
  console.log(`plain docker run: ${(base.ms / 1000).toFixed(2)} s for ${base.bytes} bytes`);
  console.log(`swegym capture:   ${(ms / 1000).toFixed(2)} s (${ratio.toFixed(2)}x), ${kept} characters kept, peak RSS ${(peak / 1e6).toFixed(0)} MB (${((peak - rssBefore) / 1e6).toFixed(0)} MB above the start)`);
  console.log(`targets: <= 2x: ${ratio <= 2 ? 'met' : 'MISSED'}; < 300 MB: ${peak < 300e6 ? 'met' : 'MISSED'}`);
}

void main();
