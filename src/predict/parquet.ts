// Node only: Parquet input and output for batch scoring, in pure JS (hyparquet, hyparquet-writer).
// Input is read one row group at a time (memory is bounded by the largest row group); output is written
// one row group per scored piece and flushed to the file as it goes.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { SchemaElement } from 'hyparquet';

// The reader moved to src/data/parquet-rows.ts (training reads Parquet too); batch imports it from here.
export { type ParquetSource, readParquetRows } from '../data/parquet-rows.js';

export interface ParquetColumnSpec {
  name: string;
  /** A copied input element, or a basic kind. */
  element?: SchemaElement;
  kind?: 'string' | 'double';
}

/** Writes row groups to an open file as they come; `finish` writes the footer and closes the file. */
export interface ParquetSink {
  write(columns: unknown[][], rows: number): void;
  finish(): void;
}

function elementOf(spec: ParquetColumnSpec): SchemaElement {
  if (spec.element) {
    const { type, type_length, converted_type, scale, precision, logical_type } = spec.element;
    return {
      name: spec.name,
      type,
      type_length,
      converted_type,
      scale,
      precision,
      logical_type,
      repetition_type: 'OPTIONAL',
    };
  }
  if (spec.kind === 'double') return { name: spec.name, type: 'DOUBLE', repetition_type: 'OPTIONAL' };
  return { name: spec.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' };
}

/**
 * Starts a Parquet file at `path` (created or truncated) with the given columns.
 *
 * @example
 * const sink = await createParquetSink('out.parquet', [{ name: 'prediction', kind: 'string' }]);
 * sink.write([['yes', 'no']], 2);
 * sink.finish();
 */
export async function createParquetSink(path: string, specs: ParquetColumnSpec[]): Promise<ParquetSink> {
  const { ByteWriter, ParquetWriter } = await import('hyparquet-writer');
  const fd = openSync(path, 'w');
  const writer = new ByteWriter();
  const flush = (): void => {
    if (writer.index > 0) writeSync(fd, new Uint8Array(writer.buffer, 0, writer.index));
    writer.index = 0;
  };
  const schema: SchemaElement[] = [
    { name: 'root', num_children: specs.length },
    ...specs.map((s) => elementOf(s)),
  ];
  const pq = new ParquetWriter({ writer, schema, createdBy: 'mlinfer' });
  flush();
  let closed = false;
  return {
    write(columns, rows) {
      if (rows === 0) return;
      pq.write({
        columnData: specs.map((s, k) => ({ name: s.name, data: columns[k] })),
        rowGroupSize: rows,
      });
      flush();
    },
    finish() {
      pq.finish();
      flush();
      fsyncSync(fd);
      closeSync(fd);
      closed = true;
    },
    ...{
      close() {
        if (!closed) closeSync(fd);
      },
    },
  };
}
