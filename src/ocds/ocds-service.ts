// Open data (OCDS 1.1.5): each public project as a release, a release package per project and per
// budget year, and a record per project. Reads a project only through the project service as the
// public (null viewer), so sealed procurement and masking apply exactly as on the public pages; a
// project before its first public notice does not exist here (404), as on the public pages.
import type { Db } from '../lib/db.js';
import type { Clock } from '../lib/clock.js';
import { NotFoundError, undefinedIfNotFound } from '../errors.js';
import type { ProjectService } from '../projects/project-service.js';
import { getRow, type ProjectRow } from '../projects/project-repo.js';
import type { PresentedProject } from '../projects/project-presenter.js';
import type { ReferenceService } from '../reference/reference.js';
import type { RulesService } from '../rules/rules-service.js';
import { RULES_V1, type Parties } from '../../workflows/project/index.js';
import { toRelease, type Place } from './release.js';
import type { OcdsRelease, OcdsReleasePackage } from './types.js';

export interface OcdsServiceDeps {
  db: Db;
  clock: Clock;
  projects: ProjectService;
  reference: ReferenceService;
  rules: RulesService;
  /** the ocid prefix (config OCDS_PREFIX) */
  prefix: string;
  /** where the API is reached (config BASE_URL), for the packages' uri */
  baseUrl: string;
}

/** The names a release needs, read once per package. */
interface Names {
  districts: Map<string, Place>;
  streets: Map<string, Place>;
  communities: Map<string, Place>;
  vendors: Map<string, string>;
  parties: Map<string, Parties>;
}

export const ocdsProjectUri = (baseUrl: string, id: string) => `${baseUrl.replace(/\/$/, '')}/api/v1/projects/${encodeURIComponent(id)}/ocds`;
export const ocdsYearUri = (baseUrl: string, year: number) => `${baseUrl.replace(/\/$/, '')}/api/v1/ocds/${year}.json`;

export function createOcdsService(deps: OcdsServiceDeps) {
  const { db } = deps;

  /** The names of a whole package (a year's releases): every place and vendor, read once. */
  async function names(): Promise<Names> {
    const [districts, streets, communities, vendors] = await Promise.all([
      deps.reference.districts(), deps.reference.streets(), deps.reference.communities(), deps.reference.vendors(),
    ]);
    const place = (x: { id: string; nameZh: string }): [string, Place] => [x.id, { id: x.id, nameZh: x.nameZh }];
    return {
      districts: new Map(districts.map(place)), streets: new Map(streets.map(place)), communities: new Map(communities.map(place)),
      // organisations: the name only, never their contacts
      vendors: new Map(vendors.map((v) => [v.id, v.name])),
      parties: new Map(),
    };
  }

  /** Who buys and pays under the project's rules version (rules are public programme data). */
  async function partiesOf(n: Names, districtId: string, version: number): Promise<Parties> {
    const key = `${districtId}/${version}`;
    let parties = n.parties.get(key);
    if (!parties) {
      parties = (await deps.rules.version(districtId, version))?.rules.parties ?? RULES_V1.parties;
      n.parties.set(key, parties);
    }
    return parties;
  }

  const publisher = (n: Names) => ({ name: `${[...n.districts.values()].map((d) => d.nameZh).join('、') || 'weishishi'}民生微实事` });

  /**
   * The names one project's release needs, each read by its key: a city has hundreds of communities
   * and vendors, and a release names one community and street and the vendors of its procurement.
   */
  async function namesOf(row: ProjectRow, project: PresentedProject): Promise<Names> {
    const p = project.procurement;
    const vendorIds = [...new Set([...(p?.invitations ?? []), ...(p?.quotes ?? []).map((q) => q.vendorId), ...(project.award ? [project.award.vendorId] : [])])];
    const [districts, street, community, vendors] = await Promise.all([
      deps.reference.districts(), deps.reference.street(row.streetId).catch(undefinedIfNotFound), deps.reference.community(row.communityId).catch(undefinedIfNotFound), deps.reference.vendorNames(vendorIds),
    ]);
    const place = (x: { id: string; nameZh: string }): [string, Place] => [x.id, { id: x.id, nameZh: x.nameZh }];
    return {
      districts: new Map(districts.map(place)), streets: new Map(street ? [place(street)] : []), communities: new Map(community ? [place(community)] : []),
      vendors, parties: new Map(),
    };
  }

  /** One project's release, if the public may see the project (from its first notice on); else undefined. `n`: the names of a whole package, or read for this project. */
  async function releaseOf(id: string, n?: Names): Promise<{ release: OcdsRelease; names: Names } | undefined> {
    const row = await getRow(db, id);
    if (!row || row.publicSince === null) return undefined;
    const [project, history] = await Promise.all([deps.projects.get(null, id), deps.projects.history(null, id)]);
    n ??= await namesOf(row, project);
    const place = (m: Map<string, Place>, key: string) => m.get(key) ?? { id: key, nameZh: key };
    const release = toRelease({
      ocid: `${deps.prefix}-${id}`,
      project, history,
      district: place(n.districts, row.districtId),
      street: place(n.streets, row.streetId),
      community: place(n.communities, row.communityId),
      vendorNames: n.vendors,
      parties: await partiesOf(n, row.districtId, row.rulesVersion),
      now: deps.clock.now().toISOString(),
    });
    return { release, names: n };
  }

  /** GET /projects/:id/ocds: a release package holding the project's one (current) release. */
  async function projectPackage(id: string): Promise<OcdsReleasePackage> {
    const found = await releaseOf(id);
    if (!found) throw new NotFoundError(`project ${id} not public`);
    const r = found.release;
    return { uri: ocdsProjectUri(deps.baseUrl, id), version: '1.1', publishedDate: r.date, publisher: publisher(found.names), releases: [r] };
  }

  /**
   * GET /projects/:id/ocds/record: a record package with the one record of the project, linking its
   * release and giving the compiled release (no versioned release: only the current state is kept).
   */
  async function projectRecord(id: string) {
    const found = await releaseOf(id);
    if (!found) throw new NotFoundError(`project ${id} not public`);
    const [r, n] = [found.release, found.names];
    const uri = ocdsProjectUri(deps.baseUrl, id);
    return {
      uri: `${uri}/record`, version: '1.1' as const, publishedDate: r.date, publisher: publisher(n),
      packages: [uri],
      records: [{ ocid: r.ocid, releases: [{ url: `${uri}#${r.id}`, date: r.date, tag: r.tag }], compiledRelease: { ...r, id: `${r.id}-compiled`, tag: ['compiled'] } }],
    };
  }

  /** The public projects of a budget year (from their first notice on), oldest reference first. */
  async function yearProjectIds(year: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await db('projects').where({ budget_year: year }).whereNotNull('public_since').orderBy('ref').select('id');
    return rows.map((r) => r.id);
  }

  /**
   * The release package of a budget year, written piece by piece through `write` (which should wait
   * for the output to drain): memory holds one project at a time however large the year.
   * NotFoundError when no project of the year is public (a package holds at least one release).
   */
  async function streamYear(year: number, write: (chunk: string) => Promise<void>, start: () => void = () => {}): Promise<number> {
    const ids = await yearProjectIds(year);
    if (ids.length === 0) throw new NotFoundError(`no public project in budget year ${year}`);
    const n = await names();
    const head = { uri: ocdsYearUri(deps.baseUrl, year), version: '1.1', publishedDate: deps.clock.now().toISOString(), publisher: publisher(n) };
    let count = 0;
    for (const id of ids) {
      const r = (await releaseOf(id, n))?.release;
      if (!r) continue;
      if (count === 0) {
        start();
        await write(`${JSON.stringify(head).slice(0, -1)},"releases":[`);
      }
      await write(`${count ? ',' : ''}${JSON.stringify(r)}`);
      count++;
    }
    if (count === 0) throw new NotFoundError(`no public project in budget year ${year}`);
    await write(']}');
    return count;
  }

  return { projectPackage, projectRecord, yearProjectIds, streamYear };
}

export type OcdsService = ReturnType<typeof createOcdsService>;
