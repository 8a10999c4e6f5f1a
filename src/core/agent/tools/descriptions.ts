/**
 * Tool and parameter descriptions as published to the model. Texts follow OpenHands' CodeActAgent
 * (openhands/agenthub/codeact_agent/function_calling.py, the late-2024 state SWE-Gym's trajectories were collected
 * with: finish without parameters, `/workspace` in the path example, no `is_input`), checked against the function
 * block of that era's text-format system prompt. Change only together with the golden tests.
 */

export const BASH_DESCRIPTION = `Execute a bash command in the terminal.
* Long running commands: For commands that may run indefinitely, it should be run in the background and the output should be redirected to a file, e.g. command = \`python3 app.py > server.log 2>&1 &\`.
* Interactive: If a bash command returns exit code \`-1\`, this means the process is not yet finished. The assistant must then send a second call to terminal with an empty \`command\` (which will retrieve any additional logs), or it can send additional text (set \`command\` to the text) to STDIN of the running process, or it can send command=\`ctrl+c\` to interrupt the process.
* Timeout: If a command execution result says "Command timed out. Sending SIGINT to the process", the assistant should retry running the command in the background.
`;

export const BASH_COMMAND_DESCRIPTION =
  'The bash command to execute. Can be empty to view additional logs when previous exit code is `-1`. Can be `ctrl+c` to interrupt the currently running process.';

/** As in OpenHands' own golden test of the mock function-calling converter from SWE-Gym's time. */
export const FINISH_DESCRIPTION = 'Finish the interaction when the task is complete OR if the assistant cannot proceed further with the task.';

export const STR_REPLACE_EDITOR_DESCRIPTION = `Custom editing tool for viewing, creating and editing files
* State is persistent across command calls and discussions with the user
* If \`path\` is a file, \`view\` displays the result of applying \`cat -n\`. If \`path\` is a directory, \`view\` lists non-hidden files and directories up to 2 levels deep
* The \`create\` command cannot be used if the specified \`path\` already exists as a file
* If a \`command\` generates a long output, it will be truncated and marked with \`<response clipped>\`
* The \`undo_edit\` command will revert the last edit made to the file at \`path\`

Notes for using the \`str_replace\` command:
* The \`old_str\` parameter should match EXACTLY one or more consecutive lines from the original file. Be mindful of whitespaces!
* If the \`old_str\` parameter is not unique in the file, the replacement will not be performed. Make sure to include enough context in \`old_str\` to make it unique
* The \`new_str\` parameter should contain the edited lines that should replace the \`old_str\`
`;

export const EDITOR_PARAM_DESCRIPTIONS = {
  command: 'The commands to run. Allowed options are: `view`, `create`, `str_replace`, `insert`, `undo_edit`.',
  path: 'Absolute path to file or directory, e.g. `/workspace/file.py` or `/workspace`.',
  file_text: 'Required parameter of `create` command, with the content of the file to be created.',
  old_str: 'Required parameter of `str_replace` command containing the string in `path` to replace.',
  new_str:
    'Optional parameter of `str_replace` command containing the new string (if not given, no string will be added). Required parameter of `insert` command containing the string to insert.',
  insert_line: 'Required parameter of `insert` command. The `new_str` will be inserted AFTER the line `insert_line` of `path`.',
  view_range:
    'Optional parameter of `view` command when `path` points to a file. If none is given, the full file is shown. If provided, the file will be shown in the indicated line number range, e.g. [11, 12] will show lines 11 and 12. Indexing at 1 to start. Setting `[start_line, -1]` shows all lines from `start_line` to the end of the file.',
} as const;

/** Not in SWE-Gym's tool set (OpenHands added it later); offered only when enabled. */
export const THINK_DESCRIPTION = `Use the tool to think about something. It will not obtain new information or make any changes to the repository, but just log the thought. Use it when complex reasoning or brainstorming is needed.`;
export const THINK_PARAM_DESCRIPTION = 'The thought to log.';
export const THINK_OBSERVATION = 'Your thought has been logged.';

/** openhands-aci 0.1.0 editor texts. */
export const MAX_RESPONSE_LEN_CHAR = 16_000;
export const SNIPPET_CONTEXT_WINDOW = 4;
export const CONTENT_TRUNCATED_NOTICE =
  '<response clipped><NOTE>To save on context only part of this file has been shown to you. You should retry this tool after you have searched inside the file with `grep -n` in order to find the line numbers of what you are looking for.</NOTE>';

/** Bash observation texts (OpenHands). */
export const BASH_TIMEOUT_NOTICE = 'Command timed out. Sending SIGINT to the process';
export const exitCodeSuffix = (code: number): string => `\n[Command finished with exit code ${code}]`;
