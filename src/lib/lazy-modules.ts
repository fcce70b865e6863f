// Heavy modules a server may not need in a whole run are loaded on first use, not at start: sharp
// (with libvips) only when a photo is uploaded, exceljs only when a sheet is read or written. Loaded
// at start they held about 55 MB of RSS in every process (issue 13: the server's RSS ≤ 300 MB).
import type ExcelJS from 'exceljs';
import type Sharp from 'sharp';

let excel: Promise<typeof ExcelJS> | undefined;
let sharp: Promise<typeof Sharp> | undefined;

export const loadExcel = (): Promise<typeof ExcelJS> => (excel ??= import('exceljs').then((m) => m.default));
export const loadSharp = (): Promise<typeof Sharp> => (sharp ??= import('sharp').then((m) => m.default));
