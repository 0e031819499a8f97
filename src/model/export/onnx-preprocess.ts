/**
 * The model's preprocessing as ONNX nodes: from one input per feature (as skl2onnx gives each column its own
 * input) to the double [N, nFeatures] matrix the TreeEnsemble node reads, encoded exactly as
 * src/data/encode.ts encodes a record:
 *
 * - numeric: a double [N, 1] input, NaN for a missing value, used as is;
 * - categorical: a string [N, 1] input through an ai.onnx.ml LabelEncoder: each kept category to its code,
 *   each missing spelling (schema.missingValues) to NaN, and any other string to the "other" code when the
 *   feature has one (rare categories were pooled at training), else to NaN (unseen: routed as missing);
 * - boolean: a string [N, 1] input through a LabelEncoder: true/yes to 1 and false/no to 0 in any letter case
 *   (every casing is a key: LabelEncoder matches exactly), the missing spellings to NaN.
 *
 * What ONNX cannot express is left to the caller and documented: cells are not trimmed (mlinfer trims them),
 * and a boolean cell that is not a boolean word is NaN (missing) where mlinfer rejects the record.
 * The encoded form (`encodedInput`) is one double [N, nFeatures] input that takes what mlinfer's encoder
 * outputs: numbers, 0/1 for booleans, category codes, NaN for missing.
 */

import type { Schema } from '../../data/schema.js';
import { type OnnxNode, type OnnxValueInfo, TensorDataType } from '../onnx/onnx-proto.js';
import { floatAttr, floatsAttr, intAttr, ML_DOMAIN, node, stringsAttr, tensorValue } from './onnx-build.js';

/** The graph inputs, the nodes that encode them, and the name of the double [N, nFeatures] they produce. */
export interface Preprocessing {
  inputs: OnnxValueInfo[];
  nodes: OnnxNode[];
  output: string;
}

/** Hands out value names that collide with no feature name and no name handed out before. */
export class Names {
  private readonly taken: Set<string>;
  constructor(reserved: Iterable<string>) {
    this.taken = new Set(reserved);
  }

  next(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }
}

const BOOLEAN_WORDS: [string, number][] = [
  ['true', 1],
  ['yes', 1],
  ['false', 0],
  ['no', 0],
];

/** Every upper/lower-case spelling of a word ("no", "nO", "No", "NO"). */
function casings(word: string): string[] {
  let out = [''];
  for (const ch of word) out = out.flatMap((s) => [s + ch.toLowerCase(), s + ch.toUpperCase()]);
  return out;
}

/** The string -> number table of a categorical or boolean feature, missing spellings first (they win, as in encode.ts). */
function codeTable(
  schema: Schema,
  feature: Schema['features'][number],
): { keys: string[]; values: number[]; fallback: number } {
  const table = new Map<string, number>();
  for (const m of schema.missingValues) table.set(m, Number.NaN);
  if (feature.type === 'boolean') {
    for (const [word, v] of BOOLEAN_WORDS) for (const s of casings(word)) if (!table.has(s)) table.set(s, v);
    return { keys: [...table.keys()], values: [...table.values()], fallback: Number.NaN };
  }
  const categories = feature.categories ?? [];
  categories.forEach((c, code) => {
    if (!table.has(c)) table.set(c, code);
  });
  const fallback = feature.hasOther ? categories.length : Number.NaN;
  return { keys: [...table.keys()], values: [...table.values()], fallback };
}

/**
 * One input per feature, named as the feature, and the LabelEncoder and Cast nodes that turn the string ones
 * into codes; a Concat joins them in schema order.
 *
 * @example
 * const pre = columnInputs(model.schema, new Names(model.featureNames));
 * // pre.inputs: plan (string [N, 1]), age (double [N, 1]), ...; pre.output: the [N, nFeatures] matrix
 */
export function columnInputs(schema: Schema, names: Names): Preprocessing {
  const inputs: OnnxValueInfo[] = [];
  const nodes: OnnxNode[] = [];
  const columns: string[] = [];
  schema.features.forEach((f, k) => {
    if (f.type === 'numeric') {
      inputs.push(tensorValue(f.name, TensorDataType.DOUBLE, ['N', 1], 'numeric feature; NaN for missing'));
      columns.push(f.name);
      return;
    }
    const doc =
      f.type === 'boolean'
        ? `boolean feature: true/yes, false/no (any case); missing: ${JSON.stringify(schema.missingValues)}`
        : `categorical feature; missing: ${JSON.stringify(schema.missingValues)}; ${f.hasOther ? 'other values: the "other" code' : 'unseen values: missing'}`;
    inputs.push(tensorValue(f.name, TensorDataType.STRING, ['N', 1], doc));
    const { keys, values, fallback } = codeTable(schema, f);
    const coded = names.next(`f${k}_code`);
    const asDouble = names.next(`f${k}_double`);
    nodes.push(
      node(
        'LabelEncoder',
        [f.name],
        [coded],
        names.next(`encode_f${k}`),
        [
          stringsAttr('keys_strings', keys),
          floatsAttr('values_floats', values),
          floatAttr('default_float', fallback),
        ],
        ML_DOMAIN,
      ),
      // codes are small integers and NaN: exact in float, then double for the tree node
      node('Cast', [coded], [asDouble], names.next(`cast_f${k}`), [intAttr('to', TensorDataType.DOUBLE)]),
    );
    columns.push(asDouble);
  });
  const output = names.next('features');
  nodes.push(node('Concat', columns, [output], names.next('concat_features'), [intAttr('axis', 1)]));
  return { inputs, nodes, output };
}

/**
 * One double [N, nFeatures] input holding what mlinfer's encoder outputs (numbers, 0/1, category codes, NaN).
 *
 * @example
 * const pre = encodedInput(model.schema, 'X'); // no nodes: X goes to the tree node
 */
export function encodedInput(schema: Schema, name: string): Preprocessing {
  const doc = `encoded features in this order: ${schema.features.map((f) => f.name).join(', ')}; numbers as is, booleans 0/1, categories as codes (metadata mlinfer.schema), NaN for missing`;
  return {
    inputs: [tensorValue(name, TensorDataType.DOUBLE, ['N', schema.features.length], doc)],
    nodes: [],
    output: name,
  };
}
