// The exports (issue 11 item 3): the project list, the statistics and a community's ledger, each
// built as an ExportTable (table.ts) by its source, then written as CSV or .xlsx (csv-writer.ts,
// xlsx-writer.ts). Building checks the filter and the reader's scope and throws before anything is
// written; the rows then stream.
import type { Writable } from 'node:stream';
import type { Clock } from '../lib/clock.js';
import type { Db } from '../lib/db.js';
import type { Ledger } from '../budgets/ledger.js';
import type { ReferenceService } from '../reference/reference.js';
import { projectListExport } from './project-list-export.js';
import { ledgerExport } from './ledger-export.js';
import { statsExport, type StatsSource } from './stats-export.js';
import { writeCsv } from './csv-writer.js';
import { writeXlsx } from './xlsx-writer.js';
import type { ExportLookups } from './names.js';
import type { ExportFormat, ExportTable } from './table.js';

export interface ExportServiceDeps {
  db: Db;
  clock: Clock;
  reference: ReferenceService;
  ledger: Pick<Ledger, 'entries'>;
  /** the statistics' figures (src/reports' summary through stats-export.ts summarySource) */
  stats: StatsSource;
}

/** Writes the table in the format and ends `out`; rejects with ReaderGoneError when the reader leaves. */
export async function writeTable(table: ExportTable, format: ExportFormat, out: Writable): Promise<void> {
  if (format === 'xlsx') return writeXlsx(table, out);
  await writeCsv(table, out);
  out.end();
}

export function createExportService(deps: ExportServiceDeps) {
  const now = () => deps.clock.now();
  const lookups = async (): Promise<ExportLookups> => {
    const [streets, communities, categories, groups, vendors] = await Promise.all([
      deps.reference.streets(), deps.reference.communities(), deps.reference.categories(undefined, { all: true }), deps.reference.groups(undefined, { all: true }), deps.reference.vendors(),
    ]);
    // vendors are organisations: their names are public facts of a contract, their contacts are not exported
    return { streets, communities, categories, groups, vendors: vendors.map((v) => ({ id: v.id, name: v.name })) };
  };
  return {
    projects: projectListExport({ db: deps.db, now, lookups }),
    ledger: ledgerExport({ db: deps.db, ledger: deps.ledger, now, lookups }),
    stats: statsExport({ source: deps.stats, now }),
  };
}

export type ExportService = ReturnType<typeof createExportService>;
