// An export is a table: a title naming its filter, typed columns with headers in the reader's
// language, and rows that may come lazily (page by page from the database). The CSV and .xlsx
// writers read only this shape, so a source (project list, statistics, ledger) is a function that
// returns one, and switching a source touches nothing else.
import { formatShanghai } from '../lib/calendar.js';

/**
 * How a cell is written. `fen`: an integer number of fen, written as 元 with two decimals (CSV text
 * "1234.50", Excel a number cell with '#,##0.00'); `date`/`datetime`: an ISO instant, shown in
 * Asia/Shanghai; `int`: a plain integer; `percent`: a ratio (0.455: CSV "45.5", Excel 45.5%);
 * `text`: anything else (guarded against formulas in CSV).
 */
export type CellKind = 'text' | 'int' | 'fen' | 'percent' | 'date' | 'datetime';
export type Cell = string | number | null;

export interface ExportColumn {
  header: string;
  kind: CellKind;
  /** width in Excel characters */
  width?: number;
}

export interface ExportTable {
  /** the sheet's title row: what and which filter, e.g. 项目清单 · 2026年 · 拱北街道 */
  title: string;
  /** the worksheet's name (Excel allows 31 characters, no []:*?/\) */
  sheetName: string;
  /** the download's name without extension, in the reader's language */
  filename: string;
  /** an ASCII name for clients that do not read RFC 5987 names, without extension */
  asciiFilename: string;
  columns: ExportColumn[];
  /** one array per row, aligned with `columns` */
  rows: AsyncIterable<Cell[]> | Iterable<Cell[]>;
}

export type ExportFormat = 'csv' | 'xlsx';

/** "1234.50", "-0.05": the exact decimal of an integer number of fen, from integers only. */
export function fenText(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not an integer number of fen: ${String(fen)}`);
  const abs = Math.abs(fen);
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * The number of 元 an Excel cell holds: the double nearest the exact decimal (parsed from the text
 * above, so it is the same double a person typing "1234.50" into Excel gets).
 */
export function fenNumber(fen: number): number {
  return Number(fenText(fen));
}

/** '2026-03-02' or '2026-03-02 09:00' in Asia/Shanghai (src/lib/calendar.ts). */
export function shanghaiText(iso: string, kind: 'date' | 'datetime'): string {
  return formatShanghai(iso, kind);
}

/**
 * Excel dates carry no time zone: the Shanghai wall-clock time of the instant, as a Date whose UTC
 * fields are that wall time (what Excel then shows).
 */
export function shanghaiWallDate(iso: string, kind: 'date' | 'datetime'): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}))?$/.exec(formatShanghai(iso, kind))!;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0)));
}

/** The parts of a title, joined: 项目清单 · 2026年 · 拱北街道. */
export const joinTitle = (parts: string[]): string => parts.filter(Boolean).join(' · ');
