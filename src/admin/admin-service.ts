// Administration (admin role): users, places, vendors, allocations, programme rules, calendar
// overrides, categories and the e-mail outbox. A thin facade over the owning services, so that each
// admin page makes one call; the owning services keep their rules and validation.
import { z } from 'zod';
import { ForbiddenError, InvalidError, NotFoundError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Db } from '../lib/db.js';
import { shanghaiDate } from '../lib/calendar.js';
import type { User, UserService } from '../auth/users.js';
import type { ReferenceService } from '../reference/reference.js';
import type { Ledger } from '../budgets/ledger.js';
import type { RulesService } from '../rules/rules-service.js';
import type { CalendarService } from '../calendar/calendar-service.js';
import { createOutboxAdmin } from './outbox-admin.js';

export function createAdminService(deps: {
  db: Db; clock: Clock; users: UserService; reference: ReferenceService; ledger: Ledger; rules: RulesService; calendar: CalendarService;
}) {
  const { clock } = deps;
  const outbox = createOutboxAdmin({ db: deps.db, clock });
  const thisYear = () => Number(shanghaiDate(clock.now().toISOString()).slice(0, 4));

  async function places() {
    const [districts, streets, communities] = await Promise.all([deps.reference.districts(), deps.reference.streets(), deps.reference.communities()]);
    return { districts, streets, communities };
  }

  /** The admin's own district (the demo and most deployments have one). */
  async function districtOf(admin: User): Promise<string> {
    if (admin.districtId) return admin.districtId;
    const d = (await deps.reference.districts())[0];
    if (!d) throw new NotFoundError('no district');
    return d.id;
  }

  return {
    /** What needs an admin's attention: dead e-mails and calendar years without an official schedule. */
    async attention() {
      return { deadLetters: await outbox.count('dead'), unknownYears: deps.calendar.unknownYearsAhead() };
    },

    async dashboard() {
      const [counts, attention] = await Promise.all([outbox.counts(), this.attention()]);
      return { outbox: counts, ...attention };
    },

    async users() {
      const [users, p, vendors] = await Promise.all([deps.users.list(), places(), deps.reference.vendors()]);
      return { users, ...p, vendors };
    },

    async userForm() {
      return { ...(await places()), vendors: await deps.reference.vendors() };
    },

    async createUser(admin: User, input: Record<string, unknown>) {
      // District-wide roles belong to the admin's district (notices find them by it).
      const districtId = ['district', 'finance', 'admin'].includes(String(input.role)) ? await districtOf(admin) : undefined;
      const clean = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== '' && v !== undefined));
      // Scope follows role: drop the fields of other roles' scopes.
      const keep: Record<string, string | undefined> = { community: 'communityId', street: 'streetId', vendor: 'vendorId' };
      for (const f of ['communityId', 'streetId', 'vendorId']) if (keep[String(input.role)] !== f) delete clean[f];
      return deps.users.create({ ...(clean as Record<string, unknown>), ...(districtId ? { districtId } : {}) } as never);
    },

    async user(id: string) {
      return { user: await deps.users.get(id), ...(await places()), vendors: await deps.reference.vendors() };
    },

    resetPassword: (id: string, password: string) => deps.users.setPassword(id, password),

    async setDisabled(admin: User, id: string, disabled: boolean) {
      if (admin.id === id && disabled) throw new ForbiddenError('an admin may not disable themselves', { reasons: [{ code: 'SELF_DISABLE' }] });
      return deps.users.update(id, { disabled });
    },

    places,
    renamePlace: (kind: 'street' | 'community', id: string, input: unknown) => deps.reference.renamePlace(kind, id, input),

    createStreet: async (admin: User, input: { nameZh?: string; nameEn?: string }) =>
      deps.reference.createStreet({ districtId: await districtOf(admin), nameZh: input.nameZh ?? '', nameEn: input.nameEn ?? '' }),
    createCommunity: (input: { streetId?: string; nameZh?: string; nameEn?: string }) =>
      deps.reference.createCommunity({ streetId: input.streetId ?? '', nameZh: input.nameZh ?? '', nameEn: input.nameEn ?? '' }),

    vendors: () => deps.reference.vendors(),
    vendor: (id: string) => deps.reference.vendor(id),
    createVendor: (input: unknown) => deps.reference.createVendor(input),
    updateVendor: (id: string, input: unknown) => deps.reference.updateVendor(id, input),

    async allocations(yearInput: unknown) {
      const p = z.coerce.number().int().min(2000).max(2100).safeParse(yearInput);
      const year = p.success ? p.data : thisYear();
      const [allocations, pl] = await Promise.all([deps.ledger.allocations({ year }), places()]);
      return { year, years: [year - 1, year, year + 1].filter((y, i, a) => a.indexOf(y) === i), allocations, ...pl };
    },
    setAllocation: (input: unknown) => deps.ledger.setAllocation(input, clock.now().toISOString()),

    /** Every version (stored and built-in), the version in force, and the categories (the beneficiary signs for some). */
    async rules(admin: User) {
      const districtId = await districtOf(admin);
      const [versions, inForce, categories] = await Promise.all([
        deps.rules.versions(districtId), deps.rules.currentVersion(districtId), deps.reference.categories(deps.db, { all: true }),
      ]);
      return { districtId, versions, inForce, current: inForce.rules, categories };
    },
    /** One version (0: the one in force), with the categories to name its values. */
    async rulesVersion(admin: User, version: number) {
      const districtId = await districtOf(admin);
      const categories = await deps.reference.categories(deps.db, { all: true });
      if (version === 0) return { ...(await deps.rules.currentVersion(districtId)), categories };
      const v = (await deps.rules.versions(districtId)).find((x) => x.version === version);
      if (!v) throw new NotFoundError(`rules version ${version} not found`);
      return { ...v, categories };
    },
    /**
     * A new version from the rules given; a rule the input leaves out entirely (the publish form has
     * no fields for vendor eligibility or the vendor-record threshold) keeps its value in the version
     * in force, rather than falling back to the defaults.
     */
    async publishRules(admin: User, rules: unknown, note?: string) {
      const districtId = await districtOf(admin);
      if (rules === null || typeof rules !== 'object' || Array.isArray(rules)) return deps.rules.publish(districtId, rules, admin.id, note); // refused there
      const { version: _version, ...inForce } = await deps.rules.current(districtId);
      return deps.rules.publish(districtId, { ...inForce, ...(rules as Record<string, unknown>) }, admin.id, note);
    },

    async calendar() {
      return { overrides: await deps.calendar.overrides(), unknownYears: deps.calendar.unknownYearsAhead() };
    },
    setOverride: (admin: User, input: unknown) => deps.calendar.setOverride(input, admin.id),
    async removeOverride(date: string) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new InvalidError('invalid date', { fields: { date: 'validation.date' } });
      return deps.calendar.removeOverride(date);
    },

    categories: () => deps.reference.categories(deps.db, { all: true }),
    upsertCategory: (input: unknown) => deps.reference.upsertCategory(input),
    groups: () => deps.reference.groups(deps.db, { all: true }),
    upsertGroup: (input: unknown) => deps.reference.upsertGroup(input),

    outbox: (status?: string) => outbox.list(status),
    retryMail: (id: number) => outbox.retry(id),
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
