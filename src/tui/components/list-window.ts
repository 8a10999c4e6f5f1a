/** The first visible row so that `selected` stays inside a window of `rows` rows (keeps the previous offset if it can). */
export function windowStart(selected: number, rows: number, total: number, prev = 0): number {
  if (rows <= 0) return 0;
  let start = prev;
  if (selected < start) start = selected;
  if (selected >= start + rows) start = selected - rows + 1;
  return Math.max(0, Math.min(start, Math.max(0, total - rows)));
}

export function clampIndex(i: number, total: number): number {
  return Math.max(0, Math.min(i, total - 1));
}
