/**
 * The bash side of the long-lived shell session (see shell-session.ts for the Node side).
 *
 * Design: one `bash` reads this driver and then one line per command from its stdin:
 *   __sg_pre $'<command, ANSI-C quoted>' $'<cwd for this command only, or empty>' <save: 1 or empty>; ( ...subshell... ) & __sg_post <id>
 * Each command runs in a subshell started as a background job with job control on (`set -m`), so it leads
 * its own process group: a timeout kills the group (the command and all its children) and the session lives on.
 * The subshell's stdin is /dev/null (a command reading stdin cannot eat the protocol), its stderr is merged into
 * stdout, and `exit N` only ends the subshell. An EXIT trap in the subshell writes its final cwd and exported
 * environment as a small script that the main shell sources after `wait`, so `cd` and `export`/`unset` persist.
 * The end marker with the exact exit code goes to stdout after the command's own output. To kill a command,
 * a separate exec finds the main shell's only child (the subshell, whose pid is its process group id) and
 * SIGKILLs that group. Everything on the hot path is a bash builtin: the only fork per command is the subshell.
 */

/** Run by a separate exec with the main shell's pid as $1: SIGKILL the process group of each of its children. */
export const KILL_CHILDREN_SCRIPT = `for f in /proc/[0-9]*/stat; do
  IFS= read -r s < "$f" 2>/dev/null || continue
  s=\${s##*) }
  read -r _ pp _ <<< "$s"
  if [[ $pp == "$1" ]]; then p=\${f#/proc/}; p=\${p%/stat}; kill -KILL -- "-$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; fi
done; true`;

/**
 * Directory inside the container holding the session's state (survives a session restart). tmpfs when there is
 * one: writing the state file on overlayfs costs several times more than the rest of a trivial command.
 */
export const SHELL_STATE_DIRS = ['/dev/shm/.swegym-shell', '/tmp/.swegym-shell'] as const;

export function driverScript(marker: string): string {
  return `set +o history 2>/dev/null
set -m
__sg_m='${marker}'
__sg_d='${SHELL_STATE_DIRS[0]}'
[[ -d $__sg_d ]] || mkdir -p "$__sg_d" 2>/dev/null || __sg_d='${SHELL_STATE_DIRS[1]}'
[[ -d $__sg_d ]] || mkdir -p "$__sg_d"
__sg_prev=
__sg_before=()
__sg_save() {
  local __sg_n
  {
    set -o posix; export -p; set +o posix
    for __sg_n in "\${__sg_before[@]}"; do [[ \${!__sg_n@a} == *x* ]] || printf 'unset -v %s\\n' "$__sg_n"; done
    if [[ -n $__sg_keepcwd ]]; then
      printf 'builtin cd -- %q 2>/dev/null\\nOLDPWD=%q\\n' "$PWD" "$OLDPWD"
    else
      printf 'builtin cd -- %q 2>/dev/null\\nOLDPWD=%q\\n' "$__sg_pwd0" "$__sg_oldpwd0"
    fi
    printf '__sg_before=(\\n'; compgen -e; printf ')\\n'
  } > "$__sg_d/state" 2>/dev/null
}
# The command itself is eval'ed at top level (see runLine), not inside a function: bash names errors raised inside
# functions read from stdin "main: line N", which is not what a model expects from a shell ("bash: line N").
__sg_pre() {
  [[ -d $__sg_d ]] || mkdir -p "$__sg_d" 2>/dev/null
  __sg_keepcwd=1 __sg_pwd0=$PWD __sg_oldpwd0=$OLDPWD __sg_cwd1=$2 __sg_saveon=$3 __sg_c=$1
  [[ -n $2 ]] && __sg_keepcwd=
  return 0
}
__sg_post() {
  wait "$!"
  local __sg_rc=$?
  [[ -n $__sg_saveon ]] && __sg_restore
  printf '\\n%sE%s %s\\n' "$__sg_m" "$1" "$__sg_rc"
}
# Apply the state the last command left, unless it is what the shell already has.
__sg_restore() {
  [[ -s $__sg_d/state ]] || return 0
  local __sg_s
  IFS= read -r -d '' __sg_s < "$__sg_d/state"
  [[ $__sg_s == "$__sg_prev" ]] && return 0
  source "$__sg_d/state" 2>/dev/null
  __sg_prev=$__sg_s
}
compgen -e > "$__sg_d/names0" 2>/dev/null && mapfile -t __sg_before < "$__sg_d/names0"
__sg_restore
printf '%sR%s\\n' "$__sg_m" "$$"
`;
}

/**
 * Could this command change the shell's cwd or exported environment? When it certainly cannot, the subshell
 * skips writing its state (a third of a trivial command's cost). Errs on the side of yes: any assignment,
 * any builtin that changes variables or the directory, sourcing, eval.
 */
export function mayChangeState(command: string): boolean {
  return (
    /(^|[^\w-])(cd|pushd|popd|export|unset|source|declare|typeset|readonly|local|set|shopt|eval|exec|read|mapfile|readarray|getopts|printf|let|alias|unalias|builtin|command|enable|trap|hash|umask|ulimit|dirs|conda|activate|deactivate|pyenv|nvm|workon)($|[^\w-])/.test(command) ||
    /[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/.test(command) ||
    /(^|[\s;&|({])\.(\s|$)/.test(command)
  );
}

/** Quote a string as a bash ANSI-C literal `$'...'` on one line (no raw newlines or control bytes). */
export function ansiC(s: string): string {
  let out = "$'";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c === 0) continue; // bash strings cannot hold NUL
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + "'";
}

/** The protocol line for one command (see driverScript). */
export function runLine(id: number | string, command: string, cwd: string | undefined, save: boolean): string {
  return (
    `__sg_pre ${ansiC(command)} ${cwd ? ansiC(cwd) : "''"} ${save ? '1' : "''"}; ` +
    `( [[ -n $__sg_saveon ]] && trap __sg_save EXIT; if [[ -n $__sg_cwd1 ]]; then builtin cd -- "$__sg_cwd1" || exit 1; fi; eval "$__sg_c" ) </dev/null 2>&1 & ` +
    `__sg_post ${id}\n`
  );
}
