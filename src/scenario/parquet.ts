import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import { isFiniteNumber } from "../io/finite.js";
import type { Output } from "../io/write.js";
import { BOUNDS } from "./fast.js";
import { Kind, type ColumnChunk, type Layout, type SweepMeta } from "./output.js";
import type { Cell } from "./plan.js";

/**
 * `sweep --format parquet`: the sweep's columns as a Parquet file, written with hyparquet-writer
 * (pure JavaScript, one dependency, incremental row groups) and read back in the tests by
 * DuckDB. Row groups cover fixed ranges of points ([0, ROW_GROUP), [ROW_GROUP, 2 ROW_GROUP),
 * ...) whatever the number of workers, so the bytes do not depend on them.
 *
 * Types: a swept key is INT64 when every value is a whole number, DOUBLE when every value is a
 * number, else text (ids, "auto", x0.5, speculation as "k=4 a=0.7"); metrics are DOUBLE in SI
 * units, decode.bound text and memory.fits BOOLEAN, each null where the CSV cell would be empty;
 * note is text, null when the point ran. The file's key-value metadata holds SweepMeta as JSON
 * under the key "wafersim" (pyarrow: `pq.read_metadata(f).metadata[b"wafersim"]`; DuckDB:
 * `parquet_kv_metadata('f.parquet')`).
 */
export const ROW_GROUP = 131_072;

type Schema = ConstructorParameters<typeof ParquetWriter>[0]["schema"];
type ColumnData = Parameters<ParquetWriter["write"]>[0]["columnData"];

type AxisType = "INT64" | "DOUBLE" | "BOOLEAN" | "STRING";

function axisType(cells: readonly Cell[]): AxisType {
  if (cells.every((c) => typeof c === "number" && Number.isSafeInteger(c))) return "INT64";
  if (cells.every((c) => typeof c === "number")) return "DOUBLE";
  if (cells.every((c) => typeof c === "boolean")) return "BOOLEAN";
  return "STRING";
}

/** The bytes hyparquet-writer produces, handed to the output after each row group. */
class OutputWriter extends ByteWriter {
  pending: Promise<void> | undefined;
  constructor(private readonly output: Output) {
    super(1 << 20);
  }
  flush(): Promise<void> | undefined {
    if (this.index === 0) return undefined;
    // A copy: the buffer is reused for the next row group while stdout may still hold this one.
    const bytes = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return this.output.write(bytes);
  }
  override finish(): Promise<void> | undefined {
    return this.flush();
  }
}

/** Writes a sweep's rows to an Output as Parquet, one row group per ColumnChunk. */
export class ParquetSweep {
  private readonly writer: OutputWriter;
  private readonly pw: ParquetWriter;
  private readonly axisTypes: readonly AxisType[];
  /** per axis: each value as the column stores it */
  private readonly axisValues: readonly (readonly (bigint | number | boolean | string)[])[];

  constructor(output: Output, cells: readonly (readonly Cell[])[], private readonly layout: Layout, meta: SweepMeta) {
    this.axisTypes = cells.map(axisType);
    this.axisValues = cells.map((cs, a) => cs.map((c) => {
      const t = this.axisTypes[a]!;
      return t === "INT64" ? BigInt(c as number) : t === "DOUBLE" || t === "BOOLEAN" ? (c as number | boolean) : String(c);
    }));
    const nAxes = cells.length;
    const text = { type: "BYTE_ARRAY", converted_type: "UTF8" } as const;
    const schema: Schema = [
      { name: "schema", num_children: layout.columns.length },
      ...layout.columns.map((name, i) => {
        if (i < nAxes) {
          const t = this.axisTypes[i]!;
          return { name, repetition_type: "REQUIRED" as const, ...(t === "STRING" ? text : { type: t }) };
        }
        const j = i - nAxes;
        const kind = j < layout.kinds.length ? layout.kinds[j] : undefined;
        const optional = { name, repetition_type: "OPTIONAL" as const };
        if (kind === undefined || kind === Kind.Bound) return { ...optional, ...text }; // note, bound
        return { ...optional, type: kind === Kind.Fits ? ("BOOLEAN" as const) : ("DOUBLE" as const) };
      }),
    ];
    this.writer = new OutputWriter(output);
    this.pw = new ParquetWriter({ writer: this.writer, schema, kvMetadata: [{ key: "wafersim", value: JSON.stringify(meta) }], createdBy: `wafersim ${meta.wafersim}` });
  }

  /** Writes one row group. */
  async add(chunk: ColumnChunk): Promise<void> {
    const rows = chunk.notes.length;
    if (rows === 0) return;
    const columnData: ColumnData = [];
    chunk.axes.forEach((idx, a) => {
      const values = this.axisValues[a]!;
      const t = this.axisTypes[a]!;
      const data = t === "INT64" ? new BigInt64Array(rows) : t === "DOUBLE" ? new Float64Array(rows) : new Array<boolean | string>(rows);
      for (let r = 0; r < rows; r++) (data as unknown as unknown[])[r] = values[idx[r]!]!;
      columnData.push({ name: this.layout.columns[a]!, data });
    });
    chunk.values.forEach((v, j) => {
      const kind = this.layout.kinds[j];
      const name = this.layout.metrics[j]!;
      if (kind === Kind.Bound) columnData.push({ name, data: Array.from(v, (x) => (x >= 0 ? BOUNDS[x] ?? null : null)) });
      else if (kind === Kind.Fits) columnData.push({ name, data: Array.from(v, (x) => (x === 1 ? true : x === 0 ? false : null)) });
      else columnData.push({ name, data: v.every(isFiniteNumber) ? v : Array.from(v, (x) => (isFiniteNumber(x) ? x : null)) });
    });
    columnData.push({ name: "note", data: chunk.notes });
    await this.pw.write({ columnData, rowGroupSize: rows });
  }

  /** Writes the footer (schema, row groups, metadata). */
  async finish(): Promise<void> {
    await this.pw.finish();
  }
}
