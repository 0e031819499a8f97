/**
 * Where two decoded ONNX messages (plain objects from decodeOnnxModel) differ, as a path a user can follow:
 * `graph.node[3] (LabelEncoder "encode_f1").attribute[0] (keys_strings).strings[5]`. Numbers compare with
 * Object.is, so NaN equals NaN (LabelEncoder values, membership separators) and 0 differs from -0.
 */

function label(value: unknown): string {
  if (typeof value !== 'object' || value === null) return '';
  const o = value as { opType?: unknown; name?: unknown };
  if (typeof o.opType === 'string') return ` (${o.opType}${o.name ? ` "${String(o.name)}"` : ''})`;
  return typeof o.name === 'string' && o.name !== '' ? ` (${o.name})` : '';
}

function isList(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || ArrayBuffer.isView(v);
}

/**
 * The path of the first difference between `a` and `b`, or null when they are equal.
 *
 * @example
 * firstDifference({ node: [{ opType: 'Mul' }] }, { node: [{ opType: 'Add' }] }, 'graph'); // 'graph.node[0] (Mul).opType: Mul where Add is expected'
 */
export function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (isList(a) && isList(b)) {
    const list = a as ArrayLike<unknown>;
    const other = b as ArrayLike<unknown>;
    for (let i = 0; i < Math.min(list.length, other.length); i++) {
      const d = firstDifference(list[i], other[i], `${path}[${i}]${label(list[i])}`);
      if (d !== null) return d;
    }
    return list.length === other.length
      ? null
      : `${path}: ${list.length} entries where ${other.length} are expected`;
  }
  if (
    typeof a === 'object' &&
    a !== null &&
    typeof b === 'object' &&
    b !== null &&
    !isList(a) &&
    !isList(b)
  ) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${path}.${k}`,
      );
      if (d !== null) return d;
    }
    return null;
  }
  if (Object.is(a, b)) return null;
  const show = (v: unknown): string =>
    v === undefined
      ? 'nothing'
      : typeof v === 'object'
        ? 'a message'
        : typeof v === 'string'
          ? JSON.stringify(v)
          : String(v);
  return `${path}: ${show(a)} where ${show(b)} is expected`;
}
