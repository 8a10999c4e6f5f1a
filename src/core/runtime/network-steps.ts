/**
 * Which build commands need the network. Offline builds (air-gapped clusters, or this project's machines) skip
 * them, as a third-party port of the harness does for `pip install` / `conda install` / `conda create` lines.
 * Debian package installs are the one exception: they may use the host network (the base mirror).
 */

const DEBIAN = /\b(apt-get|apt)\s+(-\S+\s+)*(update|install|upgrade|dist-upgrade)\b/;
const NETWORK = [
  /\b(pip3?|pipx|uv|pdm|poetry|conda|mamba|micromamba|npm|yarn|pnpm)\b[^\n]*\b(install|create|ci|add|sync|update|upgrade|download|lock)\b/,
  /\bpython[\d.]*\s+-m\s+pip\b[^\n]*\binstall\b/,
  /\bgit\s+(clone|fetch|pull|ls-remote)\b/,
  /\bgit\s+submodule\s+update\b/,
  /\bgit\s+remote\s+add\b/,
  /\b(curl|wget)\b/,
  /\bbokeh\s+sampledata\b/,
  /\bmake\s+init\b/,
];

export function installsDebianPackages(cmd: string): boolean {
  return DEBIAN.test(cmd);
}

/** Installers told to use local files only: `pip install --no-index ...`, `uv pip install --offline`, `conda install --offline`. */
const LOCAL_ONLY = /(^|\s)--(no-index|offline)(\s|=|$)/;

export function needsNetwork(cmd: string): boolean {
  if (installsDebianPackages(cmd)) return true;
  return NETWORK.some((re) => re.test(cmd)) && !LOCAL_ONLY.test(cmd);
}

/**
 * Split a spec's install string into separate commands at top-level `&&`, `;` and newlines (quotes respected),
 * so one network-bound part can be skipped while the rest runs.
 */
export function splitCommands(cmd: string): string[] {
  // Compound commands (loops, conditionals, groups) stay whole: splitting them would break their syntax.
  if (/(^|[\s;&|])(for|while|until|if|case|function)\s|[{}()]|<</.test(cmd)) return [cmd.trim()].filter(Boolean);
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (quote) {
      cur += c;
      if (c === '\\' && quote === '"' && i + 1 < cmd.length) cur += cmd[++i];
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      cur += c;
    } else if (c === '\\' && i + 1 < cmd.length) {
      cur += c + cmd[++i];
    } else if (c === '\n' || c === ';') {
      out.push(cur);
      cur = '';
    } else if (c === '&' && cmd[i + 1] === '&') {
      out.push(cur);
      cur = '';
      i++;
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

/** The commands of `cmd` an offline build runs, and those it skips. */
export function offlineCommands(cmd: string): { run: string[]; skipped: string[] } {
  const run: string[] = [];
  const skipped: string[] = [];
  for (const c of splitCommands(cmd)) (needsNetwork(c) && !installsDebianPackages(c) ? skipped : run).push(c);
  return { run, skipped };
}
