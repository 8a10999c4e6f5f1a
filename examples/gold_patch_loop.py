#!/usr/bin/env python3
"""Plays each task's gold patch through the swegym Gym API, the way a policy would: look around, edit with
str_replace_editor (create for new files, `git apply` through execute_bash where the editor cannot express the
change), finish, and print the reward. A trainer's loop has the same shape, with a model choosing the actions.

    swegym serve --port 8765 &
    python3 examples/gold_patch_loop.py --url http://127.0.0.1:8765 --instance swegym-samples__durations-12

Exit code 0 when every episode got reward 1.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "clients", "python"))

from swegym_client import SweGymClient  # noqa: E402

EXIT_SUFFIX = "\n[Command finished with exit code "


def load_tasks(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.lstrip().startswith("["):
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {r["instance_id"]: r for r in rows}


def split_files(patch):
    """The patch as (path, file_patch_text, is_new, is_simple) per file."""
    files = []
    chunks = []
    for line in patch.splitlines(keepends=True):
        if line.startswith("diff --git "):
            chunks.append([])
        if chunks:
            chunks[-1].append(line)
    for chunk in chunks:
        text = "".join(chunk)
        header = chunk[0].split()
        path = header[3][2:] if len(header) >= 4 else None
        is_new = any(l.startswith("--- /dev/null") for l in chunk)
        odd = any(l.startswith(("rename ", "deleted file", "+++ /dev/null", "Binary files", "GIT binary patch", "similarity index")) for l in chunk)
        simple = not odd and "\t" not in text and "\r" not in text and "\\ No newline" not in text
        files.append((path, text, is_new, simple))
    return files


def hunks(file_patch):
    """(old_text, new_text) per hunk of one file's patch."""
    out = []
    old = new = None
    for line in file_patch.splitlines(keepends=True):
        if line.startswith("@@"):
            if old is not None:
                out.append(("".join(old), "".join(new)))
            old, new = [], []
            continue
        if old is None:
            continue
        tag, body = line[:1], line[1:]
        if tag in (" ", "-"):
            old.append(body)
        if tag in (" ", "+"):
            new.append(body)
    if old is not None:
        out.append(("".join(old), "".join(new)))
    return out


def command_output(obs):
    i = obs.rfind(EXIT_SUFFIX)
    return obs[:i] if i >= 0 else obs


def play(gym, task, log):
    obs, info = gym.reset(task["instance_id"])
    repo = info["repo_dir"]
    log("reset %s (%s, %.1f ms): %d tools" % (task["instance_id"], "warm" if info["warm"] else "cold", info["reset_ms"], len(info["tools"])))

    def step(action):
        obs, reward, terminated, truncated, info = gym.step(action)
        log("  step %d %s -> %s" % (info["step"], action["name"], "error" if info.get("is_error") else "ok"))
        return obs, reward, terminated, truncated, info

    step({"name": "execute_bash", "arguments": {"command": "cd %s && git status --short && ls" % repo}})
    step({"name": "str_replace_editor", "arguments": {"command": "view", "path": repo}})
    for path, file_patch, is_new, simple in split_files(task["patch"]):
        abs_path = "%s/%s" % (repo, path)
        if is_new and simple:
            content = "".join(h[1] for h in hunks(file_patch))
            step({"name": "str_replace_editor", "arguments": {"command": "create", "path": abs_path, "file_text": content}})
            continue
        edits = hunks(file_patch) if simple else []
        if simple:
            # The editor needs each old text to be unique in the file at the time of the edit: check first.
            cur = command_output(step({"name": "execute_bash", "arguments": {"command": "cat %s" % abs_path}})[0])
            for old, new in edits:
                if cur.count(old) != 1:
                    simple = False
                    break
                cur = cur.replace(old, new, 1)
        if simple:
            for old, new in edits:
                _, _, _, _, info = step({"name": "str_replace_editor", "arguments": {"command": "str_replace", "path": abs_path, "old_str": old, "new_str": new}})
                if info.get("is_error"):
                    raise RuntimeError("str_replace failed on %s" % path)
        else:
            cmd = "cd %s && git apply -v - <<'SWEGYM_PATCH_EOF'\n%sSWEGYM_PATCH_EOF" % (repo, file_patch)
            _, _, _, _, info = step({"name": "execute_bash", "arguments": {"command": cmd}})
            if info.get("exit_code") != 0:
                raise RuntimeError("git apply failed on %s" % path)
    step({"name": "execute_bash", "arguments": {"command": "cd %s && git diff --stat" % repo}})
    obs, reward, terminated, truncated, info = step({"name": "finish", "arguments": {}})
    verdict = info.get("verdict") or {}
    return reward, terminated, truncated, verdict, info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8765")
    ap.add_argument("--token", default=os.environ.get("SWEGYM_GYM_TOKEN"))
    ap.add_argument("--dataset", default=os.path.join(HERE, "..", "samples", "tasks.jsonl"), help="tasks file with the gold patches")
    ap.add_argument("--instance", action="append", help="instance id (repeatable; default: every task in the file)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    tasks = load_tasks(args.dataset)
    ids = args.instance or sorted(tasks)
    log = (lambda s: None) if args.quiet else (lambda s: print(s, flush=True))
    all_ok = True
    for iid in ids:
        if iid not in tasks:
            print("unknown instance %s in %s" % (iid, args.dataset), file=sys.stderr)
            return 2
        with SweGymClient(args.url, token=args.token) as gym:
            reward, terminated, truncated, verdict, info = play(gym, tasks[iid], log)
        f2p = (verdict.get("tests_status") or {}).get("FAIL_TO_PASS", {})
        print("%s reward=%s terminated=%s truncated=%s verdict=%s F2P=%d/%d rollout=%s" % (
            iid, reward, terminated, truncated, verdict.get("status"),
            len(f2p.get("success", [])), len(f2p.get("success", [])) + len(f2p.get("failure", [])),
            info.get("rollout_id")), flush=True)
        all_ok = all_ok and reward == 1
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
