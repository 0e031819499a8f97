// The drift report: one self-contained HTML page (inline CSS and SVG, no scripts, nothing fetched) of a
// DriftReport: the table of every feature and the predictions, and for the most drifted features their
// training and new distributions side by side, bin by bin. Charts carry stable ids (drift-<n>, drift-predictions).
import type { DriftBin, DriftReport, FeatureDrift } from '../../model/drift.js';
import type { Model } from '../../model/model.js';
import { esc, metric, num, pageHead, table } from './html.js';

/** Features drawn as bar charts: the drifted ones, at least this many, the most drifted first. */
const MIN_CHARTS = 4;
const MAX_CHARTS = 12;
const W = 520;
const ROW = 18;
const LABEL_W = 150;
const BAR_W = W - LABEL_W - 70;

function pct(v: number): string {
  return `${(100 * v).toFixed(1)}%`;
}

/**
 * Training (grey) and new (blue) shares of each bin, as horizontal bar pairs: categories and ranges read
 * better as rows than as a histogram's x axis.
 */
export function pairedBars(id: string, title: string, bins: DriftBin[]): string {
  const max = Math.max(1e-9, ...bins.flatMap((b) => [b.training, b.current]));
  const h = 44 + bins.length * (2 * ROW + 6);
  const parts = [
    `<svg id="${esc(id)}" class="chart" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" role="img" aria-label="${esc(title)}">`,
    `<text class="title" x="8" y="18">${esc(title)}</text>`,
    `<rect x="${LABEL_W}" y="26" width="10" height="10" fill="#94a3b8"/><text class="tick" x="${LABEL_W + 14}" y="35">training</text>`,
    `<rect x="${LABEL_W + 80}" y="26" width="10" height="10" fill="#2563eb"/><text class="tick" x="${LABEL_W + 94}" y="35">new</text>`,
  ];
  bins.forEach((b, i) => {
    const y = 44 + i * (2 * ROW + 6);
    const label = b.label.length > 22 ? `${b.label.slice(0, 21)}…` : b.label;
    parts.push(
      `<text class="axis" x="${LABEL_W - 6}" y="${y + ROW + 4}" text-anchor="end">${esc(label)}</text>`,
    );
    for (const [k, v, fill] of [
      [0, b.training, '#94a3b8'],
      [1, b.current, '#2563eb'],
    ] as const) {
      const w = (v / max) * BAR_W;
      const yy = y + k * ROW;
      parts.push(
        `<rect x="${LABEL_W}" y="${yy}" width="${num(w)}" height="${ROW - 3}" fill="${fill}"/>`,
        `<text class="tick" x="${num(LABEL_W + w + 4)}" y="${yy + ROW - 6}">${pct(v)}</text>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

function levelCell(level: string): string {
  return level === 'ok' ? 'ok' : `<b class="warn">${esc(level)}</b>`;
}

function featureRow(f: FeatureDrift): string[] {
  return [
    esc(f.feature),
    esc(f.type),
    `<span class="n">${metric(f.psi)}</span>`,
    `<span class="n">${metric(f.jsDistance)}</span>`,
    `${pct(f.missingRate.training)} → ${pct(f.missingRate.current)}`,
    pct(f.unseenRate),
    levelCell(f.level),
  ];
}

export interface DriftPageInput {
  model: Model;
  report: DriftReport;
  /** The new data's path, shown in the header. */
  source: string;
  /** Fixed in tests; default now. */
  generatedAt?: string;
}

/** The drift section alone (the page's main part), for pages that hold other sections too. */
export function driftSection(report: DriftReport): string {
  const t = report.thresholds;
  const charted = report.features.slice(0, Math.min(MAX_CHARTS, Math.max(MIN_CHARTS, report.drifted.length)));
  const charts = charted.map((f, i) =>
    pairedBars(`drift-${i + 1}`, `${f.feature}: PSI ${metric(f.psi)} (${f.level})`, f.bins),
  );
  const p = report.prediction;
  charts.push(pairedBars('drift-predictions', `predictions: PSI ${metric(p.psi)} (${p.level})`, p.bins));
  const rows = report.features.map(featureRow);
  rows.push(['<i>predictions</i>', '', metric(p.psi), metric(p.jsDistance), '', '', levelCell(p.level)]);
  return `<section id="drift"><h2>Drift: ${levelCell(report.level)}</h2>
<p>${report.rows} new rows against ${report.trainingRows} training rows. PSI levels: watch from ${t.psiWatch}, act from ${t.psiAct}; Jensen-Shannon distance with base-2 logarithms (0 same, 1 disjoint).${
    report.drifted.length ? ` Drifted: <b>${report.drifted.map(esc).join(', ')}</b>.` : ' No feature drifted.'
  }</p>
${table(['feature', 'type', 'PSI', 'JS distance', 'missing (training → new)', 'unseen', 'level'], rows)}
<h3>Training and new distributions</h3><div class="charts">${charts.join('\n')}</div></section>`;
}

/**
 * The drift report as a whole HTML page.
 *
 * @example
 * await writeFile('drift.html', buildDriftPage({ model, report: driftOf(model, rows), source: 'new.csv' }));
 */
export function buildDriftPage(input: DriftPageInput): string {
  const m = input.model.metadata;
  const title = `mlinfer drift: ${m.target} model ${m.modelVersion}`;
  return `${pageHead(title)}<body><header><h1>${esc(title)}</h1><p>new data <code>${esc(input.source)}</code>, generated ${esc(input.generatedAt ?? new Date().toISOString())}</p></header>
<main>
${driftSection(input.report)}
</main></body></html>
`;
}
