/**
 * A tiny terminal line chart (best@k / pass@k curves): braille dots (2x4 per cell) or plain ASCII markers.
 * Pure: returns lines of text, plus which series owns each cell so the TUI can colour them.
 */
export interface ChartSeries {
  name: string;
  points: ReadonlyArray<{ x: number; y: number }>;
  /** ASCII-mode marker (default: `*`, `o`, `+`, `x`, ... by index). */
  marker?: string;
}

export interface ChartOptions {
  /** Plot width in columns (without the axis), default 48. */
  width?: number;
  /** Plot height in rows, default 10. */
  height?: number;
  yMin?: number;
  yMax?: number;
  mode?: 'braille' | 'ascii';
  /** Formats y-axis labels (default: one decimal). */
  yFormat?: (v: number) => string;
  title?: string;
}

export interface ChartCell {
  ch: string;
  /** Index of the series drawn in this cell (the last one wins), -1 for axis or empty. */
  series: number;
}

export interface RenderedChart {
  lines: string[];
  /** Plot area only (rows x width), for colouring. */
  cells: ChartCell[][];
  /** Columns taken by the y-axis labels and the axis line, left of the plot area. */
  axisWidth: number;
}

const MARKERS = ['*', 'o', '+', 'x', '#', '@', '%', '&'];
const BRAILLE_BITS = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];

function bresenham(x0: number, y0: number, x1: number, y1: number, plot: (x: number, y: number) => void): void {
  const dx = Math.abs(x1 - x0);
  const dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1;
  const sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    plot(x0, y0);
    if (x0 === x1 && y0 === y1) return;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

export function renderChart(series: readonly ChartSeries[], opts: ChartOptions = {}): RenderedChart {
  const width = Math.max(4, Math.floor(opts.width ?? 48));
  const height = Math.max(2, Math.floor(opts.height ?? 10));
  const mode = opts.mode ?? 'braille';
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xMin = all.length ? Math.min(...all.map((p) => p.x)) : 0;
  const xMax = all.length ? Math.max(...all.map((p) => p.x)) : 1;
  let yMin = opts.yMin ?? (all.length ? Math.min(...all.map((p) => p.y)) : 0);
  let yMax = opts.yMax ?? (all.length ? Math.max(...all.map((p) => p.y)) : 1);
  if (yMax === yMin) {
    yMax += 1;
    yMin -= opts.yMin === undefined ? 1 : 0;
  }
  const fmt = opts.yFormat ?? ((v: number) => v.toFixed(1));
  const sub = mode === 'braille' ? { x: 2, y: 4 } : { x: 1, y: 1 };
  const W = width * sub.x;
  const H = height * sub.y;
  const toX = (x: number) => (xMax === xMin ? 0 : Math.round(((x - xMin) / (xMax - xMin)) * (W - 1)));
  const toY = (y: number) => Math.round(((yMax - Math.min(yMax, Math.max(yMin, y))) / (yMax - yMin)) * (H - 1));

  const bits: number[][] = Array.from({ length: height }, () => new Array<number>(width).fill(0));
  const cells: ChartCell[][] = Array.from({ length: height }, () => Array.from({ length: width }, () => ({ ch: ' ', series: -1 })));
  series.forEach((s, si) => {
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p) => [toX(p.x), toY(p.y)] as const);
    const marker = s.marker ?? MARKERS[si % MARKERS.length]!;
    const dot = (x: number, y: number, isPoint: boolean) => {
      const cx = Math.floor(x / sub.x);
      const cy = Math.floor(y / sub.y);
      if (cx < 0 || cy < 0 || cx >= width || cy >= height) return;
      const cell = cells[cy]![cx]!;
      if (mode === 'braille') {
        bits[cy]![cx]! |= BRAILLE_BITS[y % 4]![x % 2]!;
        cell.ch = String.fromCharCode(0x2800 + bits[cy]![cx]!);
        cell.series = si;
      } else if (isPoint || cell.series === -1) {
        cell.ch = isPoint ? marker : '.';
        cell.series = si;
      }
    };
    for (let i = 0; i + 1 < pts.length; i++) bresenham(pts[i]![0], pts[i]![1], pts[i + 1]![0], pts[i + 1]![1], (x, y) => dot(x, y, false));
    for (const [x, y] of pts) dot(x, y, true);
  });

  const labels = Array.from({ length: height }, (_, r) => {
    if (r === 0) return fmt(yMax);
    if (r === height - 1) return fmt(yMin);
    if (r === Math.floor((height - 1) / 2)) return fmt(yMax - ((yMax - yMin) * r) / (height - 1));
    return '';
  });
  const lw = Math.max(...labels.map((l) => l.length));
  const lines: string[] = [];
  if (opts.title) lines.push(opts.title);
  cells.forEach((row, r) => lines.push(`${labels[r]!.padStart(lw)} │${row.map((c) => c.ch).join('')}`));
  lines.push(`${' '.repeat(lw)} └${'─'.repeat(width)}`);
  // x labels: every integer x (k = 1, 2, 3, ...) when they fit, else every step-th, always the first and the last;
  // non-integer axes get the first, the middle and the last.
  const xl = new Array<string>(width).fill(' ');
  const put = (x: number) => {
    const label = Number.isInteger(x) ? String(x) : x.toFixed(1);
    const col = Math.min(width - label.length, Math.max(0, Math.floor(toX(x) / sub.x) - Math.floor(label.length / 2)));
    for (let i = 0; i < label.length; i++) xl[col + i] = label[i]!;
  };
  if (all.length) {
    const integers = Number.isInteger(xMin) && Number.isInteger(xMax) && xMax - xMin <= 1000;
    if (integers && xMax > xMin) {
      const n = xMax - xMin + 1;
      const room = String(xMax).length + 1;
      const step = Math.max(1, Math.ceil((n * room) / Math.max(1, width)));
      for (let x = xMin; x < xMax; x += step) if (xMax - x >= step || x === xMin) put(x);
      put(xMax);
    } else {
      put(xMin);
      put(xMax);
      const mid = Math.round((xMin + xMax) / 2);
      if (width >= 16 && mid !== xMin && mid !== xMax) put(mid);
    }
  }
  lines.push(`${' '.repeat(lw + 2)}${xl.join('')}`);
  const legend = series.map((s, i) => `${mode === 'braille' ? '⣿' : (s.marker ?? MARKERS[i % MARKERS.length])} ${s.name}`).join('   ');
  if (legend) lines.push(`${' '.repeat(lw + 2)}${legend}`);
  return { lines, cells, axisWidth: lw + 2 };
}

/** The chart as lines of text. */
export function lineChart(series: readonly ChartSeries[], opts: ChartOptions = {}): string[] {
  return renderChart(series, opts).lines;
}
