/**
 * bench/exec: per-command overhead of the long-lived shell session vs `docker exec <c> true` through the CLI,
 * on the same container, in one run. Targets: <= 1 ms a command, >= 50x faster than the CLI.
 *
 *   node --import tsx bench/exec.ts [--image swegym-base:dev] [--n 300]
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DockerProvider } from '../src/core/runtime/docker.js';

const run = promisify(execFile);

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const image = arg('image', 'swegym-base:dev');
  const n = Number(arg('n', '300'));
  const cliN = Math.max(10, Math.floor(n / 10));
  const provider = new DockerProvider({ sessionId: `bench-exec-${process.pid}` });
  const rt = await provider.start({ image, labels: { 'io.swegym.role': 'bench' } });
  try {
    for (let i = 0; i < 30; i++) await rt.exec('true'); // warm-up
    const session: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const r = await rt.exec('true');
      session.push(performance.now() - t);
      if (r.exitCode !== 0) throw new Error(`'true' exited ${r.exitCode}`);
    }
    await run('docker', ['exec', rt.id, 'true']); // warm-up
    const cli: number[] = [];
    for (let i = 0; i < cliN; i++) {
      const t = performance.now();
      await run('docker', ['exec', rt.id, 'true']);
      cli.push(performance.now() - t);
    }
    const s = median(session);
    const c = median(cli);
    const ratio = c / s;
    const ok = (b: boolean) => (b ? 'OK  ' : 'MISS');
    console.log(`image ${image}; ${n} session commands, ${cliN} CLI commands, same container`);
    console.log(`shell session   median ${s.toFixed(3)} ms a command   target <= 1 ms   ${ok(s <= 1)}`);
    console.log(`docker exec CLI median ${c.toFixed(1)} ms a command`);
    console.log(`ratio           ${ratio.toFixed(0)}x faster                target >= 50x   ${ok(ratio >= 50)}`);
  } finally {
    await rt.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
