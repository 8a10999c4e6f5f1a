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
