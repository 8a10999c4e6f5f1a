export type PaneId = 'task' | 'actions' | 'shell' | 'diff' | 'scores';
export const PANES: PaneId[] = ['task', 'actions', 'shell', 'diff', 'scores'];

export interface PaneBox { id: PaneId; width: number; height: number }
export interface Layout { columns: Array<{ width: number; panes: PaneBox[] }>; tabs: boolean }

function split(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const out = weights.map((w) => Math.floor((total * w) / sum));
  out[out.length - 1] += total - out.reduce((a, b) => a + b, 0);
  return out;
}

/** Pane sizes that fill exactly width x height: two columns when there is room, else the focused pane alone. */
export function rolloutLayout(width: number, height: number, focused: PaneId, maximized: boolean): Layout {
  if (maximized || width < 60 || height < 14) {
    // One pane; in the narrow case a one-row tab strip above it says which panes exist.
    const tabs = !maximized;
    return { columns: [{ width, panes: [{ id: focused, width, height: height - (tabs ? 1 : 0) }] }], tabs };
  }
  const [lw, rw] = split(width, width >= 140 ? [2, 3] : [1, 1]);
  const [th, ah] = split(height, [3, 7]);
  const [sh, dh, ch] = split(height, [3, 4, 3]);
  return {
    columns: [
      { width: lw, panes: [{ id: 'task', width: lw, height: th }, { id: 'actions', width: lw, height: ah }] },
      { width: rw, panes: [{ id: 'shell', width: rw, height: sh }, { id: 'diff', width: rw, height: dh }, { id: 'scores', width: rw, height: ch }] },
    ],
    tabs: false,
  };
}
