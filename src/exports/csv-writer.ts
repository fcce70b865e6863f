// CSV for Excel and every other reader: UTF-8 with a byte-order mark (so Excel reads Chinese),
// RFC 4180 (CRLF line ends; a field with a comma, quote, CR or LF in double quotes, quotes doubled),
// the header line first. Text that a spreadsheet would run as a formula (=, +, -, @, and tab or CR
// that some strip before reading) gets a leading apostrophe (OWASP "CSV injection").
import type { Writable } from 'node:stream';
import { fenText, shanghaiText, type Cell, type ExportColumn, type ExportTable } from './table.js';
import { writeChunk } from './stream-out.js';

const BOM = '\ufeff';
const FORMULA_START = /^[=+\-@\t\r]/;
/** Rows gathered into one write: few syscalls, and a bounded buffer. */
const ROWS_PER_WRITE = 200;

/** One field, quoted when RFC 4180 needs it. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Text guarded against formula injection. Numbers we write ourselves (amounts, counts) are never guarded. */
export function guardText(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function csvCell(value: Cell, column: ExportColumn): string {
  if (value === null || value === undefined || value === '') return '';
  switch (column.kind) {
    case 'fen':
      return fenText(Number(value));
    case 'int':
      return String(Number(value));
    case 'percent':
      return (Number(value) * 100).toFixed(1);
    case 'date':
    case 'datetime':
      return shanghaiText(String(value), column.kind);
    default:
      return csvField(guardText(String(value)));
  }
}

const line = (cells: string[]) => `${cells.join(',')}\r\n`;

/** Writes the table to `out` (not ended: the caller ends it), waiting whenever the reader is slower. */
export async function writeCsv(table: ExportTable, out: Writable): Promise<void> {
  await writeChunk(out, BOM + line(table.columns.map((c) => csvField(guardText(c.header)))));
  let buf = '';
  let n = 0;
  for await (const row of table.rows) {
    buf += line(table.columns.map((c, i) => csvCell(row[i] ?? null, c)));
    if (++n % ROWS_PER_WRITE === 0) {
      await writeChunk(out, buf);
      buf = '';
    }
  }
  if (buf) await writeChunk(out, buf);
}
