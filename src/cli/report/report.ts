// The evaluation report: one self-contained HTML file (inline CSS and SVG, no scripts, nothing fetched),
// built from an Evaluation and the model card. Charts carry stable ids (chart-confusion, chart-roc, ...) so
// tests and people can find them.

import {
  type ClassificationEvaluation,
  type Evaluation,
  type RegressionEvaluation,
  thin,
} from '../../model/evaluate.js';
import type { Model } from '../../model/model.js';
import { driftSection } from './drift-report.js';
import { esc, metric, pageHead, table } from './html.js';
import { barChart, beeswarmChart, heatmapChart, histogramChart, lineChart, scatterChart } from './svg.js';

export interface ReportInput {
  model: Model;
  evaluation: Evaluation;
  /** The model file's path and size, shown in the card. */
  modelFile?: string;
  modelBytes?: number;
  /** Fixed in tests; default now. */
  generatedAt?: string;
}

/** Rows of importances shown, largest first. */
const MAX_IMPORTANCES = 30;
/** Categories shown per feature in the schema table. */
const MAX_CATEGORIES_SHOWN = 12;

/** Features drawn in the beeswarm chart, and dots per feature (an even thinning of the explained rows). */
const MAX_SWARM_FEATURES = 8;
const MAX_SWARM_DOTS = 600;

/** Impurity importances beside the global importance from mean absolute contributions, with its beeswarm. */
function importanceSection(input: ReportInput): string {
  const e = input.evaluation;
  const impurity = barChart({
    id: 'chart-importances',
    title: 'Impurity-based importance',
    items: Object.entries(input.model.metadata.featureImportances)
      .sort((a, b) => b[1] - a[1])
      .slice(0, MAX_IMPORTANCES),
  });
  const g = e.contributionImportance;
  if (!g)
    return `<section id="importances"><h2>Feature importances</h2><div class="charts">${impurity}</div>${
      e.contributionNote ? `<p class="muted" id="contributions-omitted">${esc(e.contributionNote)}</p>` : ''
    }</section>`;
  const contrib = barChart({
    id: 'chart-contribution-importances',
    title: 'Mean |contribution| (path method)',
    items: g.features.slice(0, MAX_IMPORTANCES).map((f) => [f.feature, f.meanAbs]),
  });
  const swarm = beeswarmChart({
    id: 'chart-beeswarm',
    title: `Contributions per row, top ${Math.min(MAX_SWARM_FEATURES, g.features.length)} features`,
    xLabel: `contribution to ${g.output}`,
    lanes: g.features.slice(0, MAX_SWARM_FEATURES).map((f) => {
      const idx = thin(
        f.contributions.map((_, k) => k),
        MAX_SWARM_DOTS,
      );
      return {
        name: f.feature,
        xs: idx.map((k) => f.contributions[k]),
        ranks: idx.map((k) => f.valueRanks[k]),
      };
    }),
  });
  return `<section id="importances"><h2>Feature importances</h2>
<p>Left: impurity-based importances from training; they are biased toward high-cardinality features (numeric columns with many distinct values, categories with many levels), which offer more split points. Right: the mean absolute contribution of each feature to ${esc(g.output)} over ${g.rows} of the evaluated rows (path method), measured on these rows.</p>
<div class="charts">${impurity}${contrib}</div>
<h3>Contributions per row</h3><p class="muted">One dot per row (at most ${MAX_SWARM_DOTS} per feature); colour is the row's value rank for that feature, blue low to red high (category code order for categorical features), hollow grey when missing.</p>
${swarm}</section>`;
}

/** Headline numbers: metrics with four decimals, counts (strings) as they are. */
function kpis(items: [string, number | string][]): string {
  return `<div class="kpis">${items
    .map(
      ([label, v]) =>
        `<div class="kpi"><b>${esc(typeof v === 'string' ? v : metric(v))}</b><span>${esc(label)}</span></div>`,
    )
    .join('')}</div>`;
}

function classificationSections(e: ClassificationEvaluation): string {
  const perClass = table(
    ['class', 'precision', 'recall', 'F1', 'support'],
    e.perClass.map((c) => [
      esc(c.label),
      metric(c.precision),
      metric(c.recall),
      metric(c.f1),
      String(c.support),
    ]),
  );
  const charts = [
    heatmapChart({
      id: 'chart-confusion',
      title: 'Confusion matrix',
      labels: e.classes,
      matrix: e.confusion,
    }),
    lineChart({
      id: 'chart-roc',
      title: `ROC curve${e.roc.length === 1 ? ` (positive class ${e.roc[0].label})` : ' (one vs rest)'}`,
      xLabel: 'false positive rate',
      yLabel: 'true positive rate',
      diagonal: true,
      series: e.roc.map((c) => ({ label: `${c.label}: AUC ${metric(c.area)}`, points: c.points })),
    }),
    lineChart({
      id: 'chart-pr',
      title: 'Precision-recall curve',
      xLabel: 'recall',
      yLabel: 'precision',
      legendAt: 'bottom-left',
      series: e.precisionRecall.map((c) => ({ label: `${c.label}: AP ${metric(c.area)}`, points: c.points })),
    }),
    lineChart({
      id: 'chart-calibration',
      title: `Calibration (${e.calibration.label})`,
      xLabel: 'mean predicted probability',
      yLabel: e.classes.length === 2 ? 'fraction positive' : 'fraction correct',
      diagonal: true,
      markers: true,
      series: [
        {
          label: '',
          points: e.calibration.bins
            .filter((b) => b.count > 0)
            .map((b) => [b.meanPredicted, b.fractionPositive] as [number, number]),
        },
      ],
    }),
  ];
  return `<section id="metrics"><h2>Metrics</h2>${kpis([
    ['accuracy', e.accuracy],
    ['ROC AUC', e.rocAuc],
    ['log loss', e.logLoss],
    ['macro F1', e.macroF1],
    ['rows scored', String(e.rows)],
    ['rows rejected', String(e.rejectedCount)],
  ])}</section>
<section id="charts"><h2>Charts</h2><div class="charts">${charts.join('')}</div></section>
<section id="per-class"><h2>Per class</h2>${perClass}</section>`;
}

function regressionSections(e: RegressionEvaluation): string {
  const charts = [
    scatterChart({
      id: 'chart-scatter',
      title: `Predicted vs actual (${e.points.length} rows)`,
      points: e.points,
    }),
    histogramChart({
      id: 'chart-residuals',
      title: 'Residuals (actual - predicted)',
      xLabel: 'residual',
      bins: e.residuals,
    }),
  ];
  return `<section id="metrics"><h2>Metrics</h2>${kpis([
    ['R²', e.r2],
    ['MAE', e.mae],
    ['RMSE', e.rmse],
    ['rows scored', String(e.rows)],
    ['rows rejected', String(e.rejectedCount)],
  ])}</section>
<section id="charts"><h2>Charts</h2><div class="charts">${charts.join('')}</div></section>`;
}

function rejectedSection(e: Evaluation): string {
  if (e.rejectedCount === 0 && e.notes.length === 0) return '';
  const rows = e.rejected.map((r) => [String(r.row), esc(r.reasons.join('; '))]);
  const more =
    e.rejectedCount > e.rejected.length
      ? `<p class="muted">${e.rejectedCount - e.rejected.length} more rejected rows are not listed.</p>`
      : '';
  const notes = e.notes.length ? `<ul>${e.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return `<section id="rejected"><h2>Rows not scored: ${e.rejectedCount}</h2>${
    rows.length ? table(['row', 'reasons'], rows) : ''
  }${more}${notes}</section>`;
}

function modelCard(input: ReportInput): string {
  const m = input.model.metadata;
  const facts: [string, string][] = [
    ['model file', input.modelFile ?? '-'],
    ['file size', input.modelBytes === undefined ? '-' : `${input.modelBytes} bytes`],
    ['model version', m.modelVersion],
    ['created', m.createdAt],
    ['mlinfer version', m.mlinferVersion],
    ['task', m.task],
    ['target', m.target],
    ['classes', m.classes ? m.classes.map(String).join(', ') : '-'],
    ['training rows', String(m.trainingRows)],
    ['data hash', m.dataHash],
  ];
  const factRows = facts.map(([k, v]) => [esc(k), `<code>${esc(v)}</code>`]);
  const params = Object.entries(m.params).map(([k, v]) => [esc(k), `<code>${esc(JSON.stringify(v))}</code>`]);
  const schema = m.schema.features.map((f) => {
    const cats = f.categories ?? [];
    const shown = cats.slice(0, MAX_CATEGORIES_SHOWN).map((c) => `<code>${esc(c)}</code>`);
    if (cats.length > MAX_CATEGORIES_SHOWN)
      shown.push(`<span class="muted">+${cats.length - MAX_CATEGORIES_SHOWN} more</span>`);
    if (f.hasOther) shown.push('<span class="muted">(other)</span>');
    return [esc(f.name), esc(f.type), shown.join(' ')];
  });
  const metricRows: string[][] = [];
  for (const [name, set] of Object.entries(m.metrics)) {
    if (!set || name === 'tuning') continue;
    metricRows.push([
      esc(name),
      esc(
        Object.entries(set as Record<string, unknown>)
          .map(([k, v]) => `${k} ${k === 'rows' ? String(v) : metric(v)}`)
          .join(', '),
      ),
    ]);
  }
  const tuning = (m.metrics as { tuning?: { tried?: Record<string, unknown>[] } }).tuning?.tried;
  const tuningTable = tuning?.length
    ? `<h3>Tuning (out-of-bag)</h3>${table(
        ['minSamplesLeaf', 'maxFeatures', 'score', 'metric'],
        tuning.map((t) => [esc(t.minSamplesLeaf), esc(t.maxFeatures), metric(t.score), esc(t.metric)]),
      )}`
    : '';
  const notes = m.notes.length
    ? `<h3>Notes</h3><ul>${m.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`
    : '';
  return `<section id="model-card"><h2>Model card</h2>
${table(['field', 'value'], factRows, 'facts')}
<h3>Training metrics</h3>${metricRows.length ? table(['set', 'scores'], metricRows) : '<p class="muted">none stored</p>'}
${tuningTable}
<h3>Parameters</h3>${table(['parameter', 'value'], params)}
<h3>Schema (${m.schema.features.length} features)</h3>${table(['feature', 'type', 'categories'], schema)}
${notes}</section>`;
}

/**
 * The whole report as an HTML string. It makes no requests: styles and charts are inline, and its
 * Content-Security-Policy forbids scripts and every fetch.
 *
 * @example
 * const html = buildReport({ model, evaluation: await evaluate(model, 'test.csv'), modelFile: 'model.mlinfer' });
 * await writeFile('report.html', html);
 */
export function buildReport(input: ReportInput): string {
  const e = input.evaluation;
  const m = input.model.metadata;
  const body = e.task === 'classification' ? classificationSections(e) : regressionSections(e);
  const title = `mlinfer evaluation: ${m.target} (${m.task})`;
  return `${pageHead(title)}<body><header><h1>${esc(title)}</h1><p>model ${esc(m.modelVersion)} on <code>${esc(e.source)}</code>, ${e.rows} rows scored, generated ${esc(input.generatedAt ?? new Date().toISOString())}</p></header>
<main>
${e.isTrainingData ? '<section class="warn" id="training-data-warning"><b>These are the rows the model was trained on</b>, so the scores below are optimistic: the trees have seen every row. Evaluate on rows held out from training.</section>' : ''}
${body}
${rejectedSection(e)}
${e.drift ? driftSection(e.drift) : ''}
${importanceSection(input)}
${modelCard(input)}
</main></body></html>
`;
}
