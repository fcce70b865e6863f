// Reading cells of an uploaded .xlsx (the imports: the service library, the beneficiary register):
// what a cell shows as text, whatever exceljs holds it as (rich text, a hyperlink's text, a formula's
// result, a date as YYYY-MM-DD).
import type ExcelJS from 'exceljs';

export function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((p) => p.text).join('');
    if ('text' in v) return String(v.text);
    if ('result' in v) return String(v.result ?? '');
    return '';
  }
  return String(v);
}
