// The beneficiary register as an Excel sheet (issue 15, item 1): a district's existing list read into
// the service's input rows, and the empty template to fill. Columns are found by their heading in
// either language, in any order; what a cell holds is only converted here — every rule (ID number,
// phone, group, living situation) is the service's, which refuses the whole file on any bad row.
import { loadExcel } from '../lib/lazy-modules.js';
import { InvalidError } from '../errors.js';
import { cellText } from '../exports/xlsx-cells.js';
import type { LivingSituation } from './beneficiaries.js';

/** Each input field with the headings it is recognised by (the first is the template's). */
export const SHEET_COLUMNS: ReadonlyArray<{ field: string; headings: readonly string[] }> = [
  { field: 'name', headings: ['姓名', 'name'] },
  { field: 'idNumber', headings: ['身份证号码', '身份证号', 'id number'] },
  { field: 'phone', headings: ['电话', '联系电话', 'phone'] },
  { field: 'address', headings: ['居住地址', '地址', 'address'] },
  { field: 'groupCode', headings: ['受益群体', 'group'] },
  { field: 'disabilityType', headings: ['残疾类别', 'disability type'] },
  { field: 'disabilityLevel', headings: ['残疾等级', 'disability level'] },
  { field: 'householdSize', headings: ['家庭人数', 'household size'] },
  { field: 'livingSituation', headings: ['居住情况', 'living situation'] },
  { field: 'needsDailyContact', headings: ['需每日联系', 'daily contact'] },
];

/** 居住情况 as people write it, in either language, → the register's code. */
const LIVING_WORDS: Record<string, LivingSituation> = {
  独居: 'alone', 与配偶同住: 'spouse', 与家人同住: 'family', 有照护人: 'carer', 机构供养: 'institution',
  'lives alone': 'alone', 'with spouse': 'spouse', 'with family': 'family', 'with a carer': 'carer', 'in an institution': 'institution',
};
const YES = new Set(['是', 'y', 'yes', 'true', '1', '√', '✓']);
const NO = new Set(['否', 'n', 'no', 'false', '0', '']);

/**
 * The sheet's rows as register input, numbered as the sheet numbers them (`firstRow`). A file that is
 * not an .xlsx, or whose first row lacks the name or ID number heading, is refused naming `file`.
 */
export async function readRegisterSheet(buf: Buffer): Promise<{ rows: Array<Record<string, unknown>>; firstRow: number }> {
  const wb = new (await loadExcel()).Workbook();
  try {
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
  } catch {
    throw new InvalidError('not an xlsx file', { fields: { file: 'validation.importFile' } });
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new InvalidError('no sheet', { fields: { file: 'validation.importEmpty' } });
  const header = ws.getRow(1);
  const colOf = new Map<string, number>();
  header.eachCell((cell, col) => {
    const h = cellText(cell.value).trim().toLowerCase();
    const c = SHEET_COLUMNS.find((x) => x.headings.includes(h));
    if (c && !colOf.has(c.field)) colOf.set(c.field, col);
  });
  if (!colOf.has('name') || !colOf.has('idNumber')) throw new InvalidError('no headings', { fields: { file: 'validation.importFile' } });
  const rows: Array<Record<string, unknown>> = [];
  let firstRow = 0;
  ws.eachRow({ includeEmpty: true }, (row, n) => {
    if (n === 1) return;
    const text = (field: string) => {
      const col = colOf.get(field);
      return col === undefined ? '' : cellText(row.getCell(col).value).trim();
    };
    if (SHEET_COLUMNS.every((c) => text(c.field) === '')) {
      if (rows.length === 0) return; // blank rows before the data
      rows.push({}); // a blank row amid the data is reported, not skipped silently
      return;
    }
    if (firstRow === 0) firstRow = n;
    const living = text('livingSituation');
    const daily = text('needsDailyContact').toLowerCase();
    rows.push({
      name: text('name'), idNumber: text('idNumber'), phone: text('phone'), address: text('address'),
      groupCode: text('groupCode'), disabilityType: text('disabilityType') || undefined, disabilityLevel: text('disabilityLevel') || undefined,
      householdSize: text('householdSize'),
      livingSituation: LIVING_WORDS[living.toLowerCase()] ?? living, // a code passes as it is; anything else the service refuses
      needsDailyContact: YES.has(daily) ? true : NO.has(daily) ? false : daily,
    });
  });
  // trailing blank rows are not data
  while (rows.length > 0 && Object.keys(rows.at(-1)!).length === 0) rows.pop();
  return { rows, firstRow: firstRow || 2 };
}

/** The template: the headings, in Chinese, on an otherwise empty sheet. */
export async function registerTemplate(): Promise<Buffer> {
  const wb = new (await loadExcel()).Workbook();
  const ws = wb.addWorksheet('受益人名册');
  ws.addRow(SHEET_COLUMNS.map((c) => c.headings[0]));
  ws.getRow(1).font = { bold: true };
  ws.columns.forEach((col) => {
    col.width = 16;
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
