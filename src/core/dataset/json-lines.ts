/**
 * Line numbers of the elements of the arrays that can hold task records in a JSON document: the root array
 * (key '') and arrays that are values of the root object (key = property name). JSON.parse gives no positions,
 * so this scans the text once, tracking strings and nesting.
 */
export function arrayElementLines(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  type Frame = { kind: '{' | '['; key: string | null; expectKey: boolean; pending: boolean; lines: number[] | null };
  const stack: Frame[] = [];
  let line = 1;
  let lastKey: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    const top = stack[stack.length - 1];
    if (top && top.kind === '[' && top.pending && c !== ']' && top.lines) top.lines.push(line);
    if (top && top.kind === '[') top.pending = false;
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === '\n') line++;
      }
      if (top && top.kind === '{' && top.expectKey && stack.length === 1) {
        try {
          lastKey = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          lastKey = null;
        }
      }
      continue;
    }
    if (c === '{' || c === '[') {
      const key = stack.length === 0 ? '' : stack.length === 1 && top.kind === '{' ? lastKey : null;
      let lines: number[] | null = null;
      if (c === '[' && key !== null) {
        lines = [];
        out.set(key, lines);
      }
      stack.push({ kind: c, key, expectKey: c === '{', pending: c === '[', lines });
      continue;
    }
    if (c === '}' || c === ']') {
      stack.pop();
      continue;
    }
    if (c === ':' && top) top.expectKey = false;
    else if (c === ',' && top) {
      if (top.kind === '{') top.expectKey = true;
      else top.pending = true;
    }
  }
  return out;
}

/**
 * Line (1-based) where the value at `path` (a zod issue path: keys and array indexes) starts in a JSON text. For a
 * path that is not there (a missing required key) it is the line of the deepest ancestor that is; undefined when
 * the text is not JSON. Like arrayElementLines it walks the text once, since JSON.parse gives no positions.
 */
export function jsonPathLine(text: string, path: readonly PropertyKey[]): number | undefined {
  let i = 0;
  let line = 1;
  let best: number | undefined;
  const space = () => {
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
    }
  };
  // Valid JSON strings hold no raw newline, so no line counting inside them.
  const string = (): string => {
    const start = i;
    for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  /** Skips one value; true once the target itself was reached. `onPath`: this value lies on the target's path. */
  const value = (depth: number, onPath: boolean): boolean => {
    space();
    if (onPath) {
      best = line;
      if (depth === path.length) return true;
    }
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) {
        i++;
        return false;
      }
      for (let n = 0; ; n++) {
        let step: PropertyKey = n;
        if (c === '{') {
          space();
          step = string();
          space();
          if (text[i++] !== ':') throw new Error('not JSON');
        }
        if (value(depth + 1, onPath && path[depth] === step)) return true;
        space();
        const sep = text[i++];
        if (sep === close) return false;
        if (sep !== ',') throw new Error('not JSON');
      }
    }
    if (c === '"') string();
    else if (i >= text.length) throw new Error('not JSON');
    else while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
    return false;
  };
  try {
    value(0, true);
  } catch {
    return best;
  }
  return best;
}

/** Line of a JSON.parse error, from V8's "(line L column C)" or "at position N" (undefined when it gives neither). */
export function jsonErrorLine(text: string, message: string): number | undefined {
  const l = /\(line (\d+) column \d+\)/.exec(message);
  if (l) return Number(l[1]);
  const p = /at position (\d+)/.exec(message);
  if (!p) return undefined;
  let line = 1;
  for (let k = 0, end = Math.min(Number(p[1]), text.length); k < end; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}
