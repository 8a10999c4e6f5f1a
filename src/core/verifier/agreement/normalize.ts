/**
 * A canonical form of a unified diff, so that patches making the same change compare equal: `index` lines, hunk
 * positions and context lines dropped, whitespace inside changed lines collapsed, changes that only touch
 * whitespace dropped, files in path order.
 */
export function normalizeDiff(patch: string): string {
  const files = new Map<string, { removed: string[]; added: string[] }[]>();
  let current: { removed: string[]; added: string[] }[] | undefined;
  let hunk: { removed: string[]; added: string[] } | undefined;
  let oldPath = '';
  for (const raw of patch.replace(/\r\n/g, '\n').split('\n')) {
    if (raw.startsWith('diff --git ')) {
      current = undefined;
      hunk = undefined;
      continue;
    }
    if (raw.startsWith('index ') || raw.startsWith('similarity index') || raw.startsWith('old mode') || raw.startsWith('new mode')) continue;
    if (raw.startsWith('--- ')) {
      oldPath = raw.slice(4).replace(/^a\//, '').replace(/\t.*$/, '');
      continue;
    }
    if (raw.startsWith('+++ ')) {
      const newPath = raw.slice(4).replace(/^b\//, '').replace(/\t.*$/, '');
      const path = newPath === '/dev/null' ? oldPath : newPath;
      current = files.get(path) ?? [];
      files.set(path, current);
      hunk = undefined;
      continue;
    }
    if (raw.startsWith('@@')) {
      if (!current) continue;
      hunk = { removed: [], added: [] };
      current.push(hunk);
      continue;
    }
    if (!hunk) continue;
    if (raw.startsWith('-')) hunk.removed.push(squash(raw.slice(1)));
    else if (raw.startsWith('+')) hunk.added.push(squash(raw.slice(1)));
  }
  const out: string[] = [];
  for (const path of [...files.keys()].sort()) {
    const changes: string[] = [];
    for (const h of files.get(path)!) {
      const removed = h.removed.filter((l) => l !== '');
      const added = h.added.filter((l) => l !== '');
      // A hunk that only re-indents, re-wraps or adds blank lines changes nothing.
      if (removed.join('\n') === added.join('\n')) continue;
      changes.push(...removed.map((l) => `-${l}`), ...added.map((l) => `+${l}`));
    }
    if (changes.length) out.push(`* ${path}`, ...changes);
  }
  return out.join('\n');
}

function squash(line: string): string {
  return line.replace(/\s+/g, ' ').trim();
}
