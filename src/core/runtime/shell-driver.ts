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
 * The end marker with the exact exit code (and the subshell's pid = its process group) goes to stdout after the
 * command's own output. The subshell exports
 * TAG_VAR=<marker>C<id>, which every process the command starts inherits. To kill a command (its timeout, an abort)
 * and, at its deadline, whatever it left running, a second long-lived bash (killerScript) runs KILLER_FUNCTION:
 * the process groups of the main shell's children, then every process carrying the command's tag.
 * Everything on the hot path is a bash builtin: the only fork per command is the subshell.
 */

/** The environment variable that tags every process a command starts (see KILLER_FUNCTION). */
export const TAG_VAR = '__SG_TAG';

/**
 * `__k MODE SHELLPID TAG REQID PGID`: kill what a command started, using only bash builtins (no fork: it must work
 * while a fork bomb holds every pid the container's pids limit allows).
 * - MODE `run` (a timeout or an abort of the running command): the process group of each child of the session's
 *   shell SHELLPID: the running command's subshell leads its own group and its children are born into it (a fork
 *   bomb's too: one group kill reaches them all at once).
 * - MODE `deadline` (a command that ended, at its timeout): its group PGID (reported in its end marker), unless a
 *   running command's subshell now leads a group of that number (pids are reused).
 * - Both: every process whose environment carries `TAG_VAR=TAG` (each command's subshell exports its own tag and
 *   every program it runs inherits it), and that process's group: this finds what left the group (setsid, daemons).
 *   Repeated until a round finds none.
 * The shell's and this killer's own groups are never signalled. Prints `<marker>K<REQID> <rounds>` when done.
 */
export const KILLER_FUNCTION = `__k() {
  local f s p pg pp x n=1 round=0 own1=-1 own2=-1 e target=$5
  IFS= read -r s < /proc/$$/stat 2>/dev/null && { s=\${s##*) }; read -r _ _ own1 _ <<< "$s"; }
  IFS= read -r s < "/proc/$2/stat" 2>/dev/null && { s=\${s##*) }; read -r _ _ own2 _ <<< "$s"; }
  for f in /proc/[0-9]*/stat; do
    IFS= read -r s < "$f" 2>/dev/null || continue
    s=\${s##*) }
    read -r _ pp pg _ <<< "$s"
    [[ $pp == "$2" ]] || continue
    if [[ $1 == run ]]; then
      p=\${f#/proc/}; p=\${p%/stat}
      [[ $pg != "$own1" && $pg != "$own2" ]] && kill -KILL -- "-$pg" 2>/dev/null
      kill -KILL "$p" 2>/dev/null
    elif [[ $pg == "$target" ]]; then target=
    fi
  done
  if [[ $1 == deadline && -n $target && $target != 0 && $target != "$own1" && $target != "$own2" ]]; then
    kill -KILL -- "-$target" 2>/dev/null
  fi
  while (( n > 0 && round < 50 )); do
    n=0; round=$((round + 1))
    for f in /proc/[0-9]*/environ; do
      mapfile -d '' -t e < "$f" 2>/dev/null || continue
      for x in "\${e[@]}"; do
        [[ $x == "${TAG_VAR}=$3" ]] || continue
        p=\${f#/proc/}; p=\${p%/environ}
        [[ $p == "$$" || $p == "$2" ]] && break
        if IFS= read -r s < "/proc/$p/stat" 2>/dev/null; then
          s=\${s##*) }; read -r _ _ pg _ <<< "$s"
          [[ $pg != "$own1" && $pg != "$own2" ]] && kill -KILL -- "-$pg" 2>/dev/null
        fi
        kill -KILL "$p" 2>/dev/null && n=$((n + 1))
        break
      done
    done
  done
  printf '%sK%s %s\\n' "$__k_m" "$4" "$round"
}
`;

/**
 * The killer: a second long-lived bash per sandbox, started with the session, that reads `__k ...` lines. Being
 * already running, it needs no new process to kill (a new exec fails while the pids limit is exhausted).
 */
export function killerScript(marker: string): string {
  return `set +o history 2>/dev/null
__k_m='${marker}'
${KILLER_FUNCTION}
printf '%sR%s\\n' "$__k_m" "$$"
`;
}

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
  unset -v ${TAG_VAR}
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
  local __sg_pg=$!
  wait "$__sg_pg"
  local __sg_rc=$?
  [[ -n $__sg_saveon ]] && __sg_restore
  printf '\\n%sE%s %s %s\\n' "$__sg_m" "$1" "$__sg_rc" "$__sg_pg"
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
    `( export ${TAG_VAR}="$__sg_m"C${id}; [[ -n $__sg_saveon ]] && trap __sg_save EXIT; if [[ -n $__sg_cwd1 ]]; then builtin cd -- "$__sg_cwd1" || exit 1; fi; eval "$__sg_c" ) </dev/null 2>&1 & ` +
    `__sg_post ${id}\n`
  );
}
