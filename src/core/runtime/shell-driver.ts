/**
 * The bash side of the long-lived shell session (see shell-session.ts for the Node side).
 *
 * Design: one `bash` reads this driver and then one line per command from its stdin:
 *   __sg_run <id> $'<command, ANSI-C quoted>' $'<cwd for this command only, or empty>'
 * Each command runs in a subshell started as a background job with job control on (`set -m`), so it leads
 * its own process group: a timeout kills the group (the command and all its children) and the session lives on.
 * The subshell's stdin is /dev/null (a command reading stdin cannot eat the protocol), its stderr is merged into
 * stdout, and `exit N` only ends the subshell. An EXIT trap in the subshell writes its final cwd and exported
 * environment as a small script that the main shell sources after `wait`, so `cd` and `export`/`unset` persist.
 * The subshell's pid (= its process group id) goes to the main shell's stderr; the end marker with the exact
 * exit code goes to stdout after the command's own output. Everything on the hot path is a bash builtin: the
 * only fork per command is the subshell itself.
 */

/** Directory inside the container holding the session's state (survives a session restart). */
export const SHELL_STATE_DIR = '/tmp/.swegym-shell';

export function driverScript(marker: string): string {
  return `set +o history 2>/dev/null
set -m
__sg_m='${marker}'
__sg_d='${SHELL_STATE_DIR}'
[[ -d $__sg_d ]] || mkdir -p "$__sg_d"
__sg_before=()
__sg_save() {
  local n
  {
    set -o posix; export -p; set +o posix
    for n in "\${__sg_before[@]}"; do [[ \${!n@a} == *x* ]] || printf 'unset -v %s\\n' "$n"; done
    if [[ -n $__sg_keepcwd ]]; then
      printf 'builtin cd -- %q 2>/dev/null\\nOLDPWD=%q\\n' "$PWD" "$OLDPWD"
    else
      printf 'builtin cd -- %q 2>/dev/null\\nOLDPWD=%q\\n' "$__sg_pwd0" "$__sg_oldpwd0"
    fi
    printf '__sg_before=(\\n'; compgen -e; printf ')\\n'
  } > "$__sg_d/state" 2>/dev/null
}
__sg_run() {
  [[ -d $__sg_d ]] || mkdir -p "$__sg_d" 2>/dev/null
  local __sg_keepcwd=1 __sg_pwd0=$PWD __sg_oldpwd0=$OLDPWD __sg_rc
  [[ -n $3 ]] && __sg_keepcwd=
  (
    trap __sg_save EXIT
    if [[ -n $3 ]]; then builtin cd -- "$3" || exit 1; fi
    LINENO=0
    eval "$2"
  ) </dev/null 2>&1 &
  printf '%sP%s %s\\n' "$__sg_m" "$1" "$!" >&2
  wait "$!"
  __sg_rc=$?
  [[ -s $__sg_d/state ]] && source "$__sg_d/state" 2>/dev/null
  printf '\\n%sE%s %s\\n' "$__sg_m" "$1" "$__sg_rc"
}
compgen -e > "$__sg_d/names0" 2>/dev/null && mapfile -t __sg_before < "$__sg_d/names0"
[[ -s $__sg_d/state ]] && source "$__sg_d/state" 2>/dev/null
printf '%sR\\n' "$__sg_m"
`;
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
