// eslint-disable-next-line no-control-regex
const SGR_RUN = /(?:\x1b\[[0-9;]*m)+$/;

/** SGR codes (e.g. ['1', '32']) in force just before the first occurrence of `text` in a raw frame. */
export function sgrBefore(raw: string, text: string): string[] {
  const at = raw.indexOf(text);
  if (at < 0) throw new Error(`"${text}" not in frame`);
  const run = SGR_RUN.exec(raw.slice(0, at))?.[0] ?? '';
  // eslint-disable-next-line no-control-regex
  return [...run.matchAll(/\x1b\[([0-9;]*)m/g)].flatMap((m) => m[1].split(';'));
}

/** Every ESC in the frame starts an SGR color/attribute sequence, and no other control character remains. */
export function onlySgr(raw: string): { ok: boolean; offending: string[] } {
  // eslint-disable-next-line no-control-regex
  const stripped = raw.replace(/\x1b\[[0-9;]*m/g, '');
  // eslint-disable-next-line no-control-regex
  const bad = stripped.match(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/g) ?? [];
  return { ok: bad.length === 0, offending: bad.map((c) => `\\x${c.charCodeAt(0).toString(16)}`) };
}
