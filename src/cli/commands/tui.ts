import { CoreBackend } from '../../tui/core-backend.js';
import { loadTheme, colorDisabled } from '../../tui/theme.js';
import { applyOverrides, defaultBindings } from '../../tui/keys.js';
import { configPath, loadTuiConfig } from '../../tui/config.js';
import { runPlain } from '../../tui/plain.js';
import { installCleanupHandlers } from '../../core/runtime/index.js';
import { resolveSessionDir } from '../../core/session/index.js';
import { sanitize } from '../../core/util/index.js';
import { workbenchSettings, type RolloutCliOptions } from '../shared/rollout-settings.js';

export interface TuiCommandOptions extends RolloutCliOptions {
  dataset?: string;
  session?: string;
  theme?: string;
  plain?: boolean;
  sessionsDir?: string;
  envSpec?: string[];
  /** The LLM agent's model and OpenAI-compatible endpoint (the key comes from OPENAI_API_KEY, never a flag). */
  model?: string;
  baseUrl?: string;
}

/**
 * `swegym` / `swegym tui`: the workbench. Full screen in the alternate screen buffer when stdout is a terminal;
 * plain event lines with --plain or when it is not. The terminal is restored on every exit path.
 */
export async function tuiCommand(opts: TuiCommandOptions): Promise<number> {
  const env = process.env;
  const isTTY = !!process.stdout.isTTY;
  let theme;
  let bindings;
  let session: string | undefined;
  let settings;
  try {
    settings = workbenchSettings(opts);
    const cfg = loadTuiConfig();
    theme = loadTheme({ name: opts.theme ?? cfg.theme, noColor: colorDisabled(env, isTTY) });
    bindings = applyOverrides(defaultBindings(), cfg.keys, configPath());
    // `--session ''` is bad input like any other invalid name, not "no session".
    if (opts.session !== undefined) session = resolveSessionDir(opts.session, opts.sessionsDir);
  } catch (e) {
    process.stderr.write(`swegym tui: ${sanitize((e as Error).message)}\n`);
    return 2;
  }
  const backend = new CoreBackend({ dataset: opts.dataset ?? 'samples', sessionsDir: opts.sessionsDir, envSpec: opts.envSpec, model: opts.model, baseUrl: opts.baseUrl, settings });

  if (opts.plain || !isTTY) {
    try {
      return await runPlain(backend, { session, follow: true }, (l) => process.stdout.write(l + '\n'));
    } catch (e) {
      process.stderr.write(`swegym tui: ${sanitize((e as Error).message)}\n`);
      return 1;
    }
  }

  // React's production build (the development one costs several times the CPU per frame); it is chosen when React
  // first loads, hence the dynamic imports.
  process.env.NODE_ENV ??= 'production';
  const React = (await import('react')).default;
  const { render } = await import('ink');
  const { App } = await import('../../tui/app.js');
  // Containers are removed on crashes and signals; the TUI itself handles Ctrl-C as a key (raw mode).
  installCleanupHandlers({ exitOnSignal: false });
  let exitMode = 'stop' as 'stop' | 'detach';
  const ink = render(
    React.createElement(App, {
      backend,
      theme,
      bindings,
      initialSession: session,
      onExit: (mode: 'stop' | 'detach') => {
        exitMode = mode;
      },
    }),
    // interactive: we only get here with a terminal on stdout (else plain mode); Ink would otherwise turn itself
    // non-interactive whenever CI is set, and draw nothing until exit.
    { exitOnCtrlC: false, alternateScreen: true, maxFps: 10, incrementalRendering: true, patchConsole: true, interactive: true },
  );
  const onSignal = () => ink.unmount();
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  try {
    await ink.waitUntilExit();
  } catch (e) {
    process.stderr.write(`swegym tui: ${sanitize((e as Error).stack ?? String(e))}\n`);
    await backend.shutdown('stop');
    return 1;
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGHUP', onSignal);
  }
  if (exitMode === 'detach' && backend.batchRunning) {
    const dirs = backend.runningBatchDirs;
    process.stdout.write(`swegym: the batch keeps running headless in this process; Ctrl-C stops it (containers removed).\n`);
    for (const d of dirs) process.stdout.write(`  follow it: swegym tui --session ${d}\n`);
    const stop = () => void backend.shutdown('stop');
    process.once('SIGINT', stop);
    await backend.shutdown('detach');
    process.removeListener('SIGINT', stop);
    process.stdout.write(`swegym: the batch has ended${dirs.length ? `; report: swegym report ${dirs.join(' ')}` : ''}\n`);
  } else {
    await backend.shutdown('stop');
  }
  if (env.SWEGYM_DEBUG) setTimeout(() => process.stderr.write(`swegym tui: still alive: ${process.getActiveResourcesInfo().join(', ')}\n`), 2000).unref();
  return 0;
}
