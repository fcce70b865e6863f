/**
 * The service-project library (服务项目库, issue 14 item 3) as the machine sees it.
 *
 * A project started from a library entry records the entry's facts as they stood then
 * (`context.library`, from the machine's input, so the `$start` history row says them): the entry,
 * its version, unit, reference and ceiling unit prices, validity and qualified vendors. The machine
 * never looks the library up: on INVITE and AWARD `enrich` puts the entry's qualified vendors as
 * they stand when the event is sent (`library`, read by the server in the event's transaction), so
 * the history says why a vendor could be invited.
 *
 * Every rule here is pure and returns `Reason[]` (empty: ok); a project without `context.library`
 * (every project before the library, and every one not started from it) is never refused by them,
 * so histories written before replay as written.
 */
import type { LineItem, Reason } from './project.types.js';

/** 每次/课时 · 每户 · 每件 */
export const LIBRARY_UNITS = ['session', 'household', 'item'] as const;
export type LibraryUnit = (typeof LIBRARY_UNITS)[number];

/** What a project records of the entry it started from (integer fen; dates YYYY-MM-DD, inclusive). */
export interface LibraryFacts {
  entryId: string;
  /** the entry's version when the project started */
  version: number;
  code: string;
  name: string;
  unit: LibraryUnit;
  referenceFen: number;
  ceilingFen: number;
  validFrom: string;
  validTo: string;
  /** the qualified vendors when the project started */
  vendorIds: string[];
}

/** What `enrich` puts on INVITE and AWARD: the entry's qualified vendors as they stand now. */
export interface LibraryVendorFacts {
  entryId: string;
  version: number;
  vendorIds: string[];
}

/** Each line priced above the ceiling: PRICE_OVER_CEILING {item, priceFen, ceilingFen}. */
export function libraryPriceReasons(library: LibraryFacts | undefined | null, items: readonly LineItem[] | null | undefined): Reason[] {
  if (!library || !items) return [];
  return items.flatMap((i) =>
    i.unitFen > library.ceilingFen ? [{ code: 'PRICE_OVER_CEILING', params: { item: i.name, priceFen: i.unitFen, ceilingFen: library.ceilingFen } }] : [],
  );
}

/**
 * A quote: each line it itemises at most the ceiling, and (itemised or not) its amount at most the
 * ceiling times the quantity the proposal asks for: QUOTE_OVER_CEILING {amountFen, maxFen, ceilingFen}.
 */
export function libraryQuoteReasons(
  library: LibraryFacts | undefined | null,
  projectItems: readonly LineItem[],
  quote: { amountFen: number; items?: readonly LineItem[] | null },
): Reason[] {
  if (!library) return [];
  const quantity = projectItems.reduce((s, i) => s + i.quantity, 0);
  const max = library.ceilingFen * quantity;
  const total = quantity > 0 && quote.amountFen > max ? [{ code: 'QUOTE_OVER_CEILING', params: { amountFen: quote.amountFen, maxFen: max, ceilingFen: library.ceilingFen } }] : [];
  return [...libraryPriceReasons(library, quote.items), ...total];
}

/**
 * A vendor an INVITE or AWARD names must be qualified for the project's library entry, as `enrich`
 * read it (VENDOR_NOT_IN_LIBRARY {vendorId, entry}); NOT_ENRICHED when the engine put no facts on
 * a library project's event.
 */
export function libraryVendorReasons(
  library: LibraryFacts | undefined | null,
  vendorIds: readonly string[],
  facts: LibraryVendorFacts | undefined,
): Reason[] {
  if (!library) return [];
  if (facts === undefined) return [{ code: 'NOT_ENRICHED', params: { field: 'library' } }];
  const qualified = new Set(facts.vendorIds);
  return [...new Set(vendorIds)].filter((v) => !qualified.has(v)).map((vendorId) => ({ code: 'VENDOR_NOT_IN_LIBRARY', params: { vendorId, entry: library.name } }));
}

/** Whether an entry may start a new proposal on `date` (YYYY-MM-DD, Asia/Shanghai): LIBRARY_ENTRY_EXPIRED / _NOT_YET_VALID / _RETIRED. */
export function libraryStartReasons(entry: { name: string; validFrom: string; validTo: string; retired: boolean }, date: string): Reason[] {
  if (entry.retired) return [{ code: 'LIBRARY_ENTRY_RETIRED', params: { entry: entry.name } }];
  if (date > entry.validTo) return [{ code: 'LIBRARY_ENTRY_EXPIRED', params: { entry: entry.name, validTo: entry.validTo } }];
  if (date < entry.validFrom) return [{ code: 'LIBRARY_ENTRY_NOT_YET_VALID', params: { entry: entry.name, validFrom: entry.validFrom } }];
  return [];
}
