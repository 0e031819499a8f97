// `mlinfer inspect <model>`: what a model file holds, without scoring anything.
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadModel } from '../../model/io.js';
import type { Model } from '../../model/model.js';
import { metric } from '../report/html.js';

/** The facts `inspect --json` prints: the model card minus nothing, plus the file size and tree count. */
export function inspectModel(model: Model, file: string, sizeBytes: number): Record<string, unknown> {
  const m = model.metadata;
  return {
    file,
    sizeBytes,
    format: m.format,
    mlinferVersion: m.mlinferVersion,
    modelVersion: m.modelVersion,
    createdAt: m.createdAt,
    task: m.task,
    target: m.target,
    classes: m.classes,
    trainingRows: m.trainingRows,
    dataHash: m.dataHash,
    trees: model.forest.arrays.treeOffsets.length - 1,
    /** Whether the file holds the node statistics that `explain` needs (format 1.1 and later). */
    explanations: model.forest.arrays.nodeStats !== undefined,
    /** The training profile drift compares with (format 1.2 and later): rows counted, or null when absent. */
    driftProfile: model.profile
      ? { rows: model.profile.rows, predictionSource: model.profile.predictionSource }
      : null,
    params: m.params,
    metrics: m.metrics,
    featureImportances: Object.fromEntries(Object.entries(m.featureImportances).sort((a, b) => b[1] - a[1])),
    schema: m.schema,
    notes: m.notes,
    ...(m.source === undefined ? {} : { source: m.source }),
    ...(m.shard ? { shard: m.shard } : {}),
    ...(m.merged ? { merged: m.merged } : {}),
    ...(m.importedFrom === undefined ? {} : { importedFrom: m.importedFrom }),
    /** How the trees combine: 'average' (forests) or an additive sum with a link (imported boosting). */
    scoring: model.forest.arrays.additive
      ? { aggregate: model.forest.arrays.additive.aggregate, link: model.forest.arrays.additive.link }
      : { aggregate: 'average', link: 'none' },
  };
}

/** Why a model can or cannot explain, in a few words. */
function explanationLine(model: Model): string {
  const a = model.forest.arrays;
  if (a.additive) return 'no: an imported additive ensemble (mlinfer scores it but does not explain it)';
  if (a.nodeStats) return 'yes (path and shap)';
  return 'no: no node statistics in the file (before format 1.1, or imported); retrain to explain';
}

/** Whether drift can be measured against this model, in a few words. */
function driftLine(model: Model): string {
  const p = model.profile;
  if (p)
    return `yes: a training profile of ${p.rows} rows (predictions ${p.predictionSource === 'oob' ? 'out-of-bag' : 'in-sample'})`;
  if (model.metadata.importedFrom) return 'no: an imported model has no training profile';
  return 'no: no training profile in the file (before format 1.2, or merged from shards that read their own files)';
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The model as text for a terminal. */
export function formatInspect(model: Model, file: string, sizeBytes: number): string {
  const m = model.metadata;
  const lines = [
    `${file}: ${size(sizeBytes)}, mlinfer model version ${m.modelVersion} (made by mlinfer ${m.mlinferVersion}, ${m.createdAt})`,
    `  ${'task'.padEnd(16)}${m.task}, target ${JSON.stringify(m.target)}${m.classes ? `, classes ${m.classes.map((c) => JSON.stringify(c)).join(', ')}` : ''}`,
    m.importedFrom
      ? `  ${'trees'.padEnd(16)}${model.forest.arrays.treeOffsets.length - 1}, imported from ${m.importedFrom.source}${m.importedFrom.objective ? `, objective ${m.importedFrom.objective}` : ''}`
      : `  ${'trees'.padEnd(16)}${model.forest.arrays.treeOffsets.length - 1}, trained on ${m.trainingRows} rows`,
    `  ${'data hash'.padEnd(16)}${m.dataHash}`,
    `  ${'explanations'.padEnd(16)}${explanationLine(model)}`,
    `  ${'drift profile'.padEnd(16)}${driftLine(model)}`,
    `  ${'parameters'.padEnd(16)}${Object.entries(m.params)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ')}`,
  ];
  if (m.shard)
    lines.push(
      `  ${'shard'.padEnd(16)}${m.shard.index}/${m.shard.count}: trees ${m.shard.treeIndices.join(', ')} of ${m.shard.totalTrees} (mlinfer merge joins the parts)`,
    );
  if (m.merged)
    lines.push(`  ${'merged'.padEnd(16)}from ${m.merged.count} shards (metrics per shard: inspect --json)`);
  for (const [name, set] of Object.entries(m.metrics)) {
    if (!set || name === 'tuning') continue;
    lines.push(
      `  ${`${name} metrics`.padEnd(16)}${Object.entries(set as Record<string, unknown>)
        .map(([k, v]) => `${k} ${k === 'rows' ? String(v) : metric(v)}`)
        .join(', ')}`,
    );
  }
  lines.push(
    '',
    `  ${`features (${m.schema.features.length})`.padEnd(26)} ${'type'.padEnd(12)} ${'importance'.padStart(10)}  categories`,
  );
  const imp = m.featureImportances;
  for (const f of [...m.schema.features].sort((a, b) => (imp[b.name] ?? 0) - (imp[a.name] ?? 0))) {
    const cats = f.categories ?? [];
    const shown = cats.slice(0, 6).map((c) => JSON.stringify(c));
    if (cats.length > 6) shown.push(`+${cats.length - 6} more`);
    if (f.hasOther) shown.push('(other)');
    lines.push(
      `    ${JSON.stringify(f.name).padEnd(24)} ${f.type.padEnd(12)} ${(imp[f.name] ?? 0).toFixed(4).padStart(10)}  ${shown.join(', ')}`,
    );
  }
  if (m.schema.excluded.length)
    lines.push(`  ${'excluded'.padEnd(16)}${m.schema.excluded.map((c) => JSON.stringify(c)).join(', ')}`);
  for (const n of m.notes) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n`;
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show what a model file holds: metadata, schema, classes, importances, file size')
    .argument('<model>', 'the model file')
    .option('--json', 'print JSON on stdout', false)
    .action(async (file: string, f: { json: boolean }) => {
      const model = await loadModel(file);
      const bytes = (await stat(file)).size;
      process.stdout.write(
        f.json
          ? `${JSON.stringify(inspectModel(model, file, bytes), null, 2)}\n`
          : formatInspect(model, file, bytes),
      );
    });
}
