// Inline SVG charts for the HTML report: plain strings, no library, nothing fetched. Every string that
// comes from data or a model goes through `esc`, so a column named `<script>` stays text.
import { esc, num } from './html.js';

export const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#ca8a04',
  '#db2777',
];

const W = 440;
const H = 320;
const M = { left: 56, right: 16, top: 28, bottom: 46 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

export interface Range {
  min: number;
  max: number;
}

/** Round tick values covering [min, max]. */
export function ticks(r: Range, count = 5): number[] {
  const span = r.max - r.min || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(r.min / step) * step; v <= r.max + step * 1e-9; v += step)
    out.push(+v.toPrecision(12));
  return out;
}

function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  return String(+v.toPrecision(3));
}

function scaler(r: Range, from: number, to: number): (v: number) => number {
  const span = r.max - r.min || 1;
  return (v) => from + ((v - r.min) / span) * (to - from);
}

/** The frame of an x/y chart: title, axes with ticks and labels; returns scales for the plot area. */
function frame(
  id: string,
  title: string,
  x: Range,
  y: Range,
  xLabel: string,
  yLabel: string,
): { open: string; sx: (v: number) => number; sy: (v: number) => number } {
  const sx = scaler(x, M.left, M.left + PW);
  const sy = scaler(y, M.top + PH, M.top);
  const parts = [
    `<svg id="${esc(id)}" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<text x="${W / 2}" y="16" class="title" text-anchor="middle">${esc(title)}</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" class="plot"/>`,
  ];
  for (const t of ticks(x)) {
    const px = num(sx(t));
    parts.push(
      `<line x1="${px}" y1="${M.top}" x2="${px}" y2="${M.top + PH}" class="grid"/>`,
      `<text x="${px}" y="${M.top + PH + 14}" text-anchor="middle" class="tick">${esc(tickLabel(t))}</text>`,
    );
  }
  for (const t of ticks(y)) {
    const py = num(sy(t));
    parts.push(
      `<line x1="${M.left}" y1="${py}" x2="${M.left + PW}" y2="${py}" class="grid"/>`,
      `<text x="${M.left - 6}" y="${py}" dy="0.32em" text-anchor="end" class="tick">${esc(tickLabel(t))}</text>`,
    );
  }
  parts.push(
    `<text x="${M.left + PW / 2}" y="${H - 8}" text-anchor="middle" class="axis">${esc(xLabel)}</text>`,
    `<text transform="translate(14 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle" class="axis">${esc(yLabel)}</text>`,
  );
  return { open: parts.join(''), sx, sy };
}

export interface Series {
  label: string;
  points: [number, number][];
}

function pathOf(points: [number, number][], sx: (v: number) => number, sy: (v: number) => number): string {
  return points
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b))
    .map(([a, b], i) => `${i ? 'L' : 'M'}${num(sx(a))} ${num(sy(b))}`)
    .join('');
}

function legend(series: { label: string }[], x: number, y: number): string {
  return series
    .map(
      (s, i) =>
        `<g class="legend"><rect x="${x}" y="${y + i * 15 - 8}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/><text x="${x + 14}" y="${y + i * 15}" class="tick">${esc(s.label)}</text></g>`,
    )
    .join('');
}

/**
 * Lines on [0, 1] x [0, 1] (ROC, precision-recall, calibration), optionally with the diagonal and markers.
 *
 * @example
 * lineChart({ id: 'roc', title: 'ROC', xLabel: 'FPR', yLabel: 'TPR', series: [{ label: 'yes', points }], diagonal: true });
 */
export function lineChart(o: {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  diagonal?: boolean;
  markers?: boolean;
  legendAt?: 'bottom-right' | 'bottom-left';
}): string {
  const unit = { min: 0, max: 1 };
  const f = frame(o.id, o.title, unit, unit, o.xLabel, o.yLabel);
  const parts = [f.open];
  if (o.diagonal)
    parts.push(
      `<line x1="${num(f.sx(0))}" y1="${num(f.sy(0))}" x2="${num(f.sx(1))}" y2="${num(f.sy(1))}" class="diagonal"/>`,
    );
  o.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    parts.push(`<path class="series" d="${pathOf(s.points, f.sx, f.sy)}" stroke="${color}"/>`);
    if (o.markers)
      for (const [a, b] of s.points)
        if (Number.isFinite(a) && Number.isFinite(b))
          parts.push(`<circle cx="${num(f.sx(a))}" cy="${num(f.sy(b))}" r="3" fill="${color}"/>`);
  });
  if (o.series.length > 1 || o.series[0]?.label)
    parts.push(
      legend(
        o.series,
        // right-aligned by the longest label (about 5.5 px per character at 10 px)
        o.legendAt === 'bottom-left'
          ? M.left + 10
          : Math.max(M.left + 4, M.left + PW - 24 - 5.5 * Math.max(...o.series.map((x) => x.label.length))),
        M.top + PH - 10 - 15 * (o.series.length - 1),
      ),
    );
  parts.push('</svg>');
  return parts.join('');
}

/** Predicted against actual, with the y = x line. */
export function scatterChart(o: { id: string; title: string; points: [number, number][] }): string {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const [a, b] of o.points) {
    lo = Math.min(lo, a, b);
    hi = Math.max(hi, a, b);
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  const r = { min: lo, max: hi === lo ? lo + 1 : hi };
  const f = frame(o.id, o.title, r, r, 'actual', 'predicted');
  const dots = o.points
    .map(([a, b]) => `<circle cx="${num(f.sx(a))}" cy="${num(f.sy(b))}" r="2" class="dot"/>`)
    .join('');
  const diag = `<path class="diagonal" d="M${num(f.sx(r.min))} ${num(f.sy(r.min))}L${num(f.sx(r.max))} ${num(f.sy(r.max))}"/>`;
  return `${f.open}${diag}<g class="dots">${dots}</g></svg>`;
}

/** Bars over equal-width bins (the residual histogram). */
export function histogramChart(o: {
  id: string;
  title: string;
  xLabel: string;
  bins: { from: number; to: number; count: number }[];
}): string {
  const x = { min: o.bins[0]?.from ?? 0, max: o.bins[o.bins.length - 1]?.to ?? 1 };
  const top = Math.max(1, ...o.bins.map((b) => b.count));
  // headroom above the tallest bar, so that it does not touch the frame
  const f = frame(o.id, o.title, x, { min: 0, max: top * 1.08 }, o.xLabel, 'rows');
  const bars = o.bins
    .map((b) => {
      const x0 = f.sx(b.from);
      const x1 = f.sx(b.to);
      const y = f.sy(b.count);
      return `<path class="bar" d="M${num(x0)} ${num(f.sy(0))}V${num(y)}H${num(Math.max(x0 + 0.5, x1 - 1))}V${num(f.sy(0))}Z"><title>${esc(`${tickLabel(b.from)} to ${tickLabel(b.to)}: ${b.count}`)}</title></path>`;
    })
    .join('');
  return `${f.open}${bars}</svg>`;
}

/** Horizontal bars for named values (feature importances), largest first. */
export function barChart(o: { id: string; title: string; items: [string, number][] }): string {
  const rowH = 18;
  const labelW = 170;
  const w = 560;
  const h = 34 + rowH * o.items.length;
  const max = Math.max(1e-12, ...o.items.map(([, v]) => v));
  const plotW = w - labelW - 60;
  const rows = o.items
    .map(([name, v], i) => {
      const y = 28 + i * rowH;
      const bw = Math.max(0, (v / max) * plotW);
      const shown = name.length > 26 ? `${name.slice(0, 25)}…` : name;
      return `<text x="${labelW - 6}" y="${y + 12}" text-anchor="end" class="tick"><title>${esc(name)}</title>${esc(shown)}</text><path class="bar" d="M${labelW} ${y + 2}h${num(bw)}v${rowH - 4}h${num(-bw)}Z"/><text x="${num(labelW + bw + 4)}" y="${y + 12}" class="tick">${esc(v.toFixed(3))}</text>`;
    })
    .join('');
  return `<svg id="${esc(o.id)}" class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(o.title)}" xmlns="http://www.w3.org/2000/svg"><text x="${w / 2}" y="16" class="title" text-anchor="middle">${esc(o.title)}</text>${rows}</svg>`;
}

/** The confusion matrix as a heatmap: rows are actual classes, columns predicted; shade by row share. */
export function heatmapChart(o: { id: string; title: string; labels: string[]; matrix: number[][] }): string {
  const k = o.labels.length;
  const cell = Math.max(28, Math.min(70, Math.floor(360 / Math.max(1, k))));
  const left = 110;
  const top = 60;
  const w = left + cell * k + 20;
  const h = top + cell * k + 40;
  const parts = [
    `<svg id="${esc(o.id)}" class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(o.title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<text x="${w / 2}" y="16" class="title" text-anchor="middle">${esc(o.title)}</text>`,
    `<text x="${left + (cell * k) / 2}" y="34" text-anchor="middle" class="axis">predicted</text>`,
    `<text transform="translate(14 ${top + (cell * k) / 2}) rotate(-90)" text-anchor="middle" class="axis">actual</text>`,
  ];
  const short = (s: string) => (s.length > 12 ? `${s.slice(0, 11)}…` : s);
  o.labels.forEach((l, j) => {
    parts.push(
      `<text x="${left + j * cell + cell / 2}" y="${top - 6}" text-anchor="middle" class="tick"><title>${esc(l)}</title>${esc(short(l))}</text>`,
      `<text x="${left - 6}" y="${top + j * cell + cell / 2}" dy="0.32em" text-anchor="end" class="tick"><title>${esc(l)}</title>${esc(short(l))}</text>`,
    );
  });
  o.matrix.forEach((row, a) => {
    const total = row.reduce((s, v) => s + v, 0) || 1;
    row.forEach((v, p) => {
      const share = v / total;
      const x = left + p * cell;
      const y = top + a * cell;
      // blue for the diagonal (right), red off it (wrong), stronger with the share of the actual class
      const hue = a === p ? 217 : 0;
      const light = Math.round(97 - share * 52);
      parts.push(
        `<path class="cell" d="M${x} ${y}h${cell}v${cell}h${-cell}Z" fill="hsl(${hue} 75% ${light}%)"><title>${esc(`actual ${o.labels[a]}, predicted ${o.labels[p]}: ${v} (${(share * 100).toFixed(1)}%)`)}</title></path>`,
        `<text x="${x + cell / 2}" y="${y + cell / 2}" dy="0.32em" text-anchor="middle" class="${light < 62 ? 'count light' : 'count'}">${v}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Low value ranks blue, high red, through grey; a missing value is drawn hollow grey. */
function rankColour(rank: number): string {
  const lo = [37, 99, 235];
  const hi = [220, 38, 38];
  return `rgb(${lo.map((l, i) => Math.round(l + (hi[i] - l) * rank)).join(',')})`;
}

/**
 * A beeswarm of per-row contributions: one lane per feature (top first), x the contribution, one dot per row
 * coloured by the row's value rank of that feature. Dots falling on the same pixel column stack outwards from
 * the lane's centre, so dense regions show as wide swarms; the stack is capped at the lane's height.
 */
export function beeswarmChart(o: {
  id: string;
  title: string;
  xLabel: string;
  lanes: { name: string; xs: number[]; ranks: (number | null)[] }[];
}): string {
  const laneH = 34;
  const labelW = 150;
  const w = 600;
  const top = 28;
  const plotH = laneH * o.lanes.length;
  const h = top + plotH + 40;
  let lo = 0;
  let hi = 0;
  for (const l of o.lanes)
    for (const v of l.xs) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  const x = { min: lo, max: hi === lo ? lo + 1e-9 : hi };
  const sx = scaler(x, labelW, w - 16);
  const parts = [
    `<svg id="${esc(o.id)}" class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(o.title)}" xmlns="http://www.w3.org/2000/svg">`,
    `<text x="${w / 2}" y="16" class="title" text-anchor="middle">${esc(o.title)}</text>`,
  ];
  for (const t of ticks(x)) {
    const px = num(sx(t));
    parts.push(
      `<line x1="${px}" y1="${top}" x2="${px}" y2="${top + plotH}" class="${t === 0 ? 'diagonal' : 'grid'}"/>`,
      `<text x="${px}" y="${top + plotH + 14}" text-anchor="middle" class="tick">${esc(tickLabel(t))}</text>`,
    );
  }
  parts.push(
    `<text x="${(labelW + w - 16) / 2}" y="${top + plotH + 32}" text-anchor="middle" class="axis">${esc(o.xLabel)}</text>`,
  );
  o.lanes.forEach((l, i) => {
    const cy = top + i * laneH + laneH / 2;
    const shown = l.name.length > 22 ? `${l.name.slice(0, 21)}…` : l.name;
    parts.push(
      `<text x="${labelW - 8}" y="${cy}" dy="0.32em" text-anchor="end" class="tick"><title>${esc(l.name)}</title>${esc(shown)}</text><g class="swarm">`,
    );
    const stacked = new Map<number, number>();
    l.xs.forEach((v, k) => {
      const px = sx(v);
      const col = Math.round(px / 2);
      const n = stacked.get(col) ?? 0;
      stacked.set(col, n + 1);
      const off = Math.min(laneH / 2 - 2, Math.ceil(n / 2) * 2) * (n % 2 ? -1 : 1);
      const r = l.ranks[k];
      const paint = r === null ? 'fill="none" stroke="#94a3b8"' : `fill="${rankColour(r)}"`;
      parts.push(`<circle cx="${num(px)}" cy="${num(cy + off)}" r="1.8" ${paint} fill-opacity=".6"/>`);
    });
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('');
}
