import type { MissRatioCurveResult } from '../analysis/trace-analysis.js';
import { reportChalk } from './report-style.js';

export interface ChartOptions {
  color: boolean;
  /** Unicode blocks and box lines; false: plain ASCII (not a terminal, or NO_COLOR). */
  unicode: boolean;
  width?: number;
  height?: number;
}

const EIGHTHS = ['', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * The miss-ratio curve as a terminal area chart: hit rate (0–100%) up, cache size in entries across on a
 * log scale. Each column is the curve at that size; with Unicode, the top cell of a column is filled in
 * eighths, so a column resolves 1/(8 × height) of hit rate.
 */
export function renderMissRatioChart(curve: MissRatioCurveResult, options: ChartOptions): string {
  const width = options.width ?? 64;
  const height = options.height ?? 10;
  const chalk = reportChalk(options);
  const points = curve.points;
  if (points.length === 0) return '';
  const maxSize = points[points.length - 1].size;
  const logMax = Math.log10(Math.max(maxSize, 10));
  const columns: number[] = [];
  for (let c = 0; c < width; c++) columns.push(hitRateAt(points, 10 ** ((logMax * c) / (width - 1))));

  const lines: string[] = [];
  const full = options.unicode ? '█' : '#';
  const axis = options.unicode ? '┤' : '|';
  for (let row = height - 1; row >= 0; row--) {
    let cells = '';
    for (const rate of columns) {
      const level = rate * height - row; // how much of this cell the column fills
      if (level >= 1) cells += full;
      else if (level <= 0) cells += ' ';
      else if (options.unicode) cells += EIGHTHS[Math.max(1, Math.round(level * 8))];
      else cells += level >= 0.5 ? '#' : '.';
    }
    const label = row === height - 1 ? '100%' : row === Math.floor((height - 1) / 2) ? ' 50%' : '    ';
    lines.push(`${label} ${axis}${chalk.cyan(cells)}`);
  }
  lines.push(`  0% ${options.unicode ? '└' : '+'}${(options.unicode ? '─' : '-').repeat(width)}`);

  // Tick labels at powers of ten, placed under their column.
  let ticks = ' '.repeat(6 + width);
  for (let power = 0; 10 ** power <= maxSize * 1.0001; power++) {
    const column = Math.round((power / logMax) * (width - 1));
    const label = sizeLabel(10 ** power);
    const at = Math.min(6 + column, ticks.length - label.length);
    ticks = ticks.slice(0, at) + label + ticks.slice(at + label.length);
  }
  lines.push(ticks.trimEnd());
  lines.push(`${' '.repeat(6)}cache size (entries, log scale) → LRU hit rate`);
  return lines.join('\n');
}

/** The curve between its points, interpolated on log size. */
function hitRateAt(points: MissRatioCurveResult['points'], size: number): number {
  if (size <= points[0].size) return points[0].hit_rate;
  for (let i = 1; i < points.length; i++) {
    if (points[i].size >= size) {
      const a = points[i - 1];
      const b = points[i];
      const f = (Math.log(size) - Math.log(a.size)) / (Math.log(b.size) - Math.log(a.size));
      return a.hit_rate + f * (b.hit_rate - a.hit_rate);
    }
  }
  return points[points.length - 1].hit_rate;
}

/** 1, 10, 100, 1k, 10k, 100k, 1M, … */
export function sizeLabel(size: number): string {
  if (size >= 1e9 && size % 1e9 === 0) return `${size / 1e9}G`;
  if (size >= 1e6 && size % 1e6 === 0) return `${size / 1e6}M`;
  if (size >= 1e3 && size % 1e3 === 0) return `${size / 1e3}k`;
  return String(size);
}
