/**
 * Container output, model messages, patches and problem statements are untrusted: strip every terminal control
 * sequence (CSI, OSC, DCS/PM/APC/SOS strings, lone ESC sequences, C0/C1 controls) before anything renders them.
 * Keeps \n and \t; turns \r\n into \n and a lone \r into \n so progress bars cannot overwrite lines.
 */
// eslint-disable-next-line no-control-regex
const OSC_LIKE = /\x1b[\]PX^_][\s\S]*?(?:\x07|\x1b\\|\x9c|$)/g;
// eslint-disable-next-line no-control-regex
const CSI = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?/g;
// eslint-disable-next-line no-control-regex
const ESC_OTHER = /\x1b[ -/]*[0-~]?/g;
// eslint-disable-next-line no-control-regex
const C1_STRINGS = /[\x90\x98\x9d\x9e\x9f][\s\S]*?(?:\x07|\x1b\\|\x9c|$)/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;

export function sanitize(text: string): string {
  return text
    .replace(OSC_LIKE, '')
    .replace(C1_STRINGS, '')
    .replace(CSI, '')
    .replace(ESC_OTHER, '')
    .replace(/\r\n/g, '\n')
    .replace(/\r/g, '\n')
    .replace(CONTROLS, '');
}

/** Head and tail kept, the middle replaced by `marker` (which may mention the omitted count via {n}). */
export function capMiddle(text: string, max: number, marker = '\n[... {n} characters omitted ...]\n'): { text: string; omitted: number } {
  if (text.length <= max) return { text, omitted: 0 };
  const half = Math.floor(max / 2);
  const omitted = text.length - 2 * half;
  return { text: text.slice(0, half) + marker.replace('{n}', String(omitted)) + text.slice(text.length - half), omitted };
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls but leaves DEL and the C1 range (U+0080-U+009F, e.g. the
 * 8-bit CSI U+009B) raw, which some terminals act on. Escaping them keeps the JSON identical in value.
 */
export function terminalSafeJson(value: unknown, space?: number): string {
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(value, null, space).replace(/[\x7f-\x9f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
