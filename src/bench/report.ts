/**
 * What a benchmark returns: figures, each a ratio against a baseline measured in the same run,
 * optionally held against a target. The runner prints them as one summary table.
 */
import type { Stats } from './harness.js';

export interface Target {
  readonly op: '<=' | '>=';
  readonly value: number;
  /** What the target is about: the ratio (default) or an absolute measure such as KB. */
  readonly unit?: string;
  /** The measured value the target applies to, when it is not the ratio. */
  readonly measured?: number;
}

export interface Figure {
  /** Benchmark name, filled in by the runner. */
  bench?: string;
  /** What is measured, e.g. "poll step, CPU per step". */
  readonly figure: string;
  /** The subject's figure, formatted (e.g. "41.2 µs"). */
  readonly subject: string;
  /** The baseline and its figure (e.g. "raw undici 35.9 µs"). */
  readonly baseline: string;
  /** Ratio subject/baseline, as the figure defines it (the median of paired rounds, or of medians). */
  readonly ratio: number;
  /** Spread of the ratio over the rounds (min–max), when there were paired rounds. */
  readonly spread?: readonly [number, number];
  readonly target?: Target;
}

export type Verdict = 'PASS' | 'FAIL' | '';

export function verdict(f: Figure): Verdict {
  if (!f.target) return '';
  const v = f.target.measured ?? f.ratio;
  return f.target.op === '<=' ? (v <= f.target.value ? 'PASS' : 'FAIL') : v >= f.target.value ? 'PASS' : 'FAIL';
}

/** A ratio figure from paired per-round ratios. */
export function ratioFigure(figure: string, subject: string, baseline: string, ratios: Stats, target?: Target): Figure {
  return { figure, subject, baseline, ratio: ratios.median, spread: [ratios.min, ratios.max], ...(target ? { target } : {}) };
}

const x = (r: number): string => `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}x`;

function formatRatio(f: Figure): string {
  const spread = f.spread && f.spread[0] !== f.spread[1] ? ` (${x(f.spread[0]).slice(0, -1)}–${x(f.spread[1])})` : '';
  return `${x(f.ratio)}${spread}`;
}

function formatTarget(t: Target | undefined): string {
  if (!t) return '—';
  const op = t.op === '<=' ? '≤' : '≥';
  return t.unit ? `${op} ${t.value} ${t.unit}` : `${op} ${t.value}x`;
}

/** The summary table, as aligned plain text. */
export function summaryTable(figures: readonly Figure[]): string {
  const header = ['benchmark', 'figure', 'subject', 'baseline', 'ratio (spread)', 'target', ''];
  const rows = figures.map((f) => [f.bench ?? '', f.figure, f.subject, f.baseline, formatRatio(f), formatTarget(f.target), verdict(f)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
