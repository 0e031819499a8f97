/**
 * The data layer: CSV and JSON Lines parsing, tables, schema inference and encoding.
 * Node file helpers are exported from here too; they are the only part that needs `node:` modules.
 */

export { DEFAULT_MISSING_VALUES, parseBoolean, parseNumber } from './cells.js';
export { type CsvBatch, type CsvOptions, type CsvTable, csvBatches, parseCsvText } from './csv.js';
export {
  type CsvRowEncoder,
  createCsvRowEncoder,
  createRowEncoder,
  type EncodedCsvRows,
  type EncodedRows,
  type EncodedTable,
  type EncodeTableOptions,
  encodeTable,
  type RowEncoder,
} from './encode.js';
export { type JsonlBatch, type JsonlOptions, jsonlBatches, parseJsonlText } from './jsonl.js';
export { csvFileBatches, fileChunks, jsonlFileBatches, readCsvFile, readJsonlFile } from './node-io.js';
export {
  categoryCounts,
  type FeatureSpec,
  type FeatureType,
  featureKinds,
  featureNames,
  inferSchema,
  inferSchemaWithNotes,
  type Schema,
  type SchemaOptions,
  type SchemaResult,
  type TargetSpec,
} from './schema.js';
export { parseSchema } from './schema-json.js';
export { type Cell, type Table, type TableInput, toTable } from './table.js';
