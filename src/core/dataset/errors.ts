/** How a record is located in its file: a line (JSON/JSONL), a row (Parquet, 1-based) or a record index (JSON object). */
export type DatasetUnit = 'line' | 'row' | 'record';

/**
 * A problem with a dataset: a malformed record, an unreadable file, a bad filter.
 * The message names the file, the line/row and the field, e.g.
 * `tasks.jsonl:7: field FAIL_TO_PASS: must be a list of test ids or a JSON-encoded list of strings (instance a__b-1)`.
 */
export class DatasetError extends Error {
  readonly unit: DatasetUnit;
  readonly instanceId: string | undefined;
  constructor(
    readonly file: string,
    /** Line (JSON/JSONL) or row (Parquet) number, 1-based; undefined when the problem is not tied to one record. */
    readonly line: number | undefined,
    /** Field path from the schema, e.g. "FAIL_TO_PASS" or "FAIL_TO_PASS.2". */
    readonly field: string | undefined,
    /** The problem itself, without the location. */
    readonly detail: string,
    opts: { unit?: DatasetUnit; instanceId?: string } = {},
  ) {
    const unit = opts.unit ?? 'line';
    const where = line === undefined ? file : unit === 'line' ? `${file}:${line}` : `${file}: ${unit} ${line}`;
    super(`${where}: ${field ? `field ${field}: ` : ''}${detail}${opts.instanceId ? ` (instance ${opts.instanceId})` : ''}`);
    this.name = 'DatasetError';
    this.unit = unit;
    this.instanceId = opts.instanceId;
  }
}

/** The Hugging Face hub did not answer; the message says how to get the data by hand. */
export class HubUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HubUnreachableError';
  }
}
