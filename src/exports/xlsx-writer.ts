// .xlsx through exceljs's streaming writer (stream.xlsx.WorkbookWriter): every row is committed
// (serialised into the zip) as soon as it is added, so memory stays flat however many rows come.
// Row 1 is the title naming the filter (merged across the columns), row 2 the headers (frozen).
// Amounts are number cells of 元 with '#,##0.00'; dates are date cells of the Shanghai wall time.
// Text is always a string cell, never a formula, whatever it starts with.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { loadExcel } from '../lib/lazy-modules.js';
import { fenNumber, shanghaiWallDate, type Cell, type ExportColumn, type ExportTable } from './table.js';
import { ReaderGoneError, whenWritable } from './stream-out.js';

export const MONEY_FORMAT = '#,##0.00';
const DATE_FORMAT = 'yyyy-mm-dd';
const DATETIME_FORMAT = 'yyyy-mm-dd hh:mm';
/** Rows between checks of the reader's buffer (the zip deflates in between). */
const ROWS_PER_CHECK = 200;
/** How much of the sheet's XML may wait for the zip's deflate before the rows wait for it. */
const SHEET_BACKLOG_BYTES = 1 << 20;

type SinkLike = NodeJS.EventEmitter & { writableLength?: number; _writableState?: { length?: number } };
const backlog = (s: SinkLike): number => s.writableLength ?? s._writableState?.length ?? 0;

function cellValue(value: Cell, column: ExportColumn): ExcelJS.CellValue {
  if (value === null || value === undefined || value === '') return null;
  switch (column.kind) {
    case 'fen':
      return fenNumber(Number(value));
    case 'int':
    case 'percent':
      return Number(value);
    case 'date':
    case 'datetime':
      return shanghaiWallDate(String(value), column.kind);
    default:
      // a rich-text-free string: exceljs writes it as an inline string, never as a formula
      return String(value);
  }
}

const FORMATS: Partial<Record<ExportColumn['kind'], string>> = { fen: MONEY_FORMAT, date: DATE_FORMAT, datetime: DATETIME_FORMAT, int: '0', percent: '0.0%' };

/** Excel's sheet names: at most 31 characters, none of []:*?/\ . */
export const sheetNameOf = (name: string) => name.replace(/[[\]:*?/\\]/g, ' ').trim().slice(0, 31) || 'Sheet1';

/** Writes the workbook to `out` and ends it. Rejects with ReaderGoneError when the reader leaves. */
export async function writeXlsx(table: ExportTable, out: Writable): Promise<void> {
  const gone = once(out, 'close').then(() => {
    if (!out.writableFinished) throw new ReaderGoneError();
  });
  gone.catch(() => undefined); // awaited below only once the rows are written
  const Excel = await loadExcel();
  const wb = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet(sheetNameOf(table.sheetName), { views: [{ state: 'frozen', ySplit: 2 }] });
  // the number format is the column's: every cell added below inherits it (cheaper than per cell)
  ws.columns = table.columns.map((c) => {
    const fmt = FORMATS[c.kind];
    return { width: c.width ?? (c.kind === 'fen' ? 16 : c.kind === 'datetime' ? 18 : c.kind === 'date' ? 12 : 14), ...(fmt ? { style: { numFmt: fmt } } : {}) };
  });
  const width = Math.max(1, table.columns.length);

  const title = ws.addRow([table.title]);
  title.font = { bold: true, size: 14 };
  title.height = 24;
  ws.mergeCells(1, 1, 1, width);
  title.commit();
  const header = ws.addRow(table.columns.map((c) => c.header));
  header.font = { bold: true };
  header.commit();

  // exceljs hands the sheet's XML to the zip through a PassThrough and ignores its backpressure:
  // rows come faster than zlib deflates them, and every row not yet deflated waited there (100,000
  // rows held 50 MB of buffers, growing with the export; the scale bench's server went from 202 to
  // 369 MB). Each check waits for that buffer to drain as well as for the reader.
  // (It is archiver's readable-stream v2 PassThrough, which names its buffer only in _writableState.)
  const sheetSink = (ws as unknown as { stream?: { pipes?: unknown[] } }).stream?.pipes?.[0] as SinkLike | undefined;
  let n = 0;
  for await (const cells of table.rows) {
    ws.addRow(table.columns.map((c, i) => cellValue(cells[i] ?? null, c))).commit();
    if (++n % ROWS_PER_CHECK === 0) {
      if (sheetSink && backlog(sheetSink) > SHEET_BACKLOG_BYTES) await Promise.race([once(sheetSink, 'drain'), gone]);
      await whenWritable(out);
    }
  }
  ws.commit();
  await Promise.race([wb.commit(), gone]);
}
