// Node only: reading Parquet files as row objects, one row group at a time (memory is bounded by the largest
// row group), in pure JS (hyparquet). Batch scoring and streaming training both read Parquet through it.
import type { SchemaElement } from 'hyparquet';
import { MlinferError } from '../errors.js';

export interface ParquetSource {
  /** The top-level column names, in file order. */
  columns: string[];
  /** Their schema elements (flat columns only), to write kept columns with the same types. */
  elements: Map<string, SchemaElement>;
  rowCount: number;
  rows: AsyncGenerator<Record<string, unknown>, void, undefined>;
}

/**
 * Opens a Parquet file as a stream of row objects, one row group at a time.
 *
 * @example
 * const { columns, rows } = await readParquetRows('in.parquet');
 * for await (const row of rows) console.log(row);
 */
export async function readParquetRows(path: string): Promise<ParquetSource> {
  // Loaded on demand: both packages are ESM only, and a CommonJS require of mlinfer must not load them.
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new MlinferError('MLI_NOT_FOUND', `file not found: ${path}`, { cause: e });
    throw new MlinferError(
      'MLI_CSV_PARSE',
      `${path} is not a readable Parquet file: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  const root = metadata.schema[0];
  const elements = new Map<string, SchemaElement>();
  const columns: string[] = [];
  // Top-level children of the root: skip over nested groups' descendants.
  let i = 1;
  for (let c = 0; c < (root.num_children ?? 0); c++) {
    const el = metadata.schema[i];
    columns.push(el.name);
    if (!el.num_children) elements.set(el.name, el);
    i += 1 + countDescendants(metadata.schema, i);
  }
  async function* rows(): AsyncGenerator<Record<string, unknown>, void, undefined> {
    let start = 0;
    for (const rg of metadata.row_groups) {
      const end = start + Number(rg.num_rows);
      const objs = (await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end })) as Record<
        string,
        unknown
      >[];
      for (const o of objs) yield o;
      start = end;
    }
  }
  return { columns, elements, rowCount: Number(metadata.num_rows), rows: rows() };
}

function countDescendants(schema: SchemaElement[], at: number): number {
  let n = 0;
  let k = at + 1;
  for (let c = 0; c < (schema[at].num_children ?? 0); c++) {
    const d = 1 + countDescendants(schema, k);
    n += d;
    k += d;
  }
  return n;
}
