// The .xlsx writer (src/exports/xlsx-writer.ts) at an export's size: the rows wait for the zip's
// deflate, so what is not yet compressed stays bounded however many rows come, and the workbook
// reads back whole.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeXlsx } from '../../src/exports/xlsx-writer.js';
import type { ExportColumn } from '../../src/exports/table.js';
import { readXlsx } from '../support/exports.js';

const COLUMNS: ExportColumn[] = [
  { header: '项目编号', kind: 'text' }, { header: '街道', kind: 'text' }, { header: '项目名称', kind: 'text' },
  { header: '预算（元）', kind: 'fen' }, { header: '更新时间', kind: 'datetime' },
];

describe('the .xlsx writer', () => {
  it('when 30,000 rows are written, then the rows wait for the deflate: output has come out well before the last row, and every row reads back', async () => {
    const chunks: Buffer[] = [];
    let bytesOut = 0;
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        bytesOut += chunk.length;
        cb();
      },
    });
    const outAt: number[] = [];
    const N = 30_000;
    async function* rows() {
      for (let i = 0; i < N; i++) {
        if (i > 0 && i % 10_000 === 0) outAt.push(bytesOut);
        yield [`XZ-2026-${String(i).padStart(5, '0')}`, '拱北街道', `爬楼机配置第${i}号：为无电梯高层住户配置履带式爬楼机`, 3_600_000 + i, '2026-03-02T01:00:00.000Z'];
      }
    }
    await writeXlsx({ title: '项目清单', sheetName: '项目清单', filename: 'x', asciiFilename: 'x', columns: COLUMNS, rows: rows() }, out);
    // Without the wait, the sheet's XML piles up in front of the zip (about 0.5 KB a row) and next to
    // nothing is compressed until the last row: at row 20,000 the output was a few kilobytes.
    expect(outAt[1]!).toBeGreaterThan(200_000);
    expect(outAt[1]!).toBeGreaterThan(outAt[0]!);
    const sheet = await readXlsx(Buffer.concat(chunks));
    expect(sheet.rowCount).toBe(N + 2);
    expect(sheet.getRow(N + 2).getCell(1).value).toBe(`XZ-2026-${N - 1}`);
    expect(sheet.getRow(3).getCell(4).value).toBe(36_000);
  });
});
