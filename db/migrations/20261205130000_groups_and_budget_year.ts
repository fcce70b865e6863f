// Beneficiary groups and the budget year (issue 10, items 5 and 6).
//
// - `beneficiary_groups`: whom a project serves (受益群体), admin-editable reference data like the
//   categories, the code being the Chinese word. Seeded with the groups the district reports count by.
// - Categories become the kind of help (助行 居家改造 探访慰藉 …). The old beneficiary-focused ones
//   (助残 助老 …) become inactive, never deleted: the projects that named them keep their code.
// - projects: `budget_year` (the year whose allocation it draws on; existing rows: their year),
//   `main_group` (existing rows: derived from the old category) and `other_groups` (JSON text).
//
// The ledger needs no new columns: its entries carry a year, which is now the project's budget year.
import type { Knex } from 'knex';

const GROUPS: Array<[code: string, nameZh: string, nameEn: string]> = [
  ['残疾人', '残疾人', 'Persons with disabilities'],
  ['老年人', '老年人', 'Older people'],
  ['儿童', '儿童', 'Children'],
  ['学生', '学生', 'Students'],
  ['低保特困', '低保/特困', 'Low-income and destitute households'],
  ['困境儿童', '困境儿童', 'Children in difficulty'],
  ['全体居民', '全体居民', 'All residents'],
];

/** The kinds of help (GLOSSARY: category). */
const CATEGORIES: Array<[code: string, nameZh: string, nameEn: string]> = [
  ['助行', '助行', 'Mobility'],
  ['居家改造', '居家改造', 'Home adaptation'],
  ['探访慰藉', '探访慰藉', 'Visits and emotional support'],
  ['康复训练', '康复训练', 'Rehabilitation'],
  ['就业帮扶', '就业帮扶', 'Employment help'],
  ['文体活动', '文体活动', 'Culture and sports'],
  ['公共设施', '公共设施', 'Public facilities'],
  ['便民服务', '便民服务', 'Everyday services'],
];

/** Kinds of help that were already categories before this migration (the demo's): `down` keeps them. */
const CATEGORIES_BEFORE = ['助行', '公共设施'];

/** The old categories that named whom a project serves (and 便民利民, now 便民服务): inactive from here on. */
const OLD_CATEGORIES = ['助残', '助老', '助幼', '助学', '助医', '便民利民'];

/** An existing project's main group, from its old category. */
const GROUP_OF_OLD_CATEGORY: Array<[category: string, group: string]> = [
  ['助残', '残疾人'],
  ['助老', '老年人'],
  ['助幼', '儿童'],
  ['助学', '学生'],
];
const DEFAULT_GROUP = '全体居民';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('beneficiary_groups', (t) => {
    t.string('code', 16).primary(); // 残疾人 老年人 …: the code is the Chinese word
    t.string('name_zh', 50).notNullable();
    t.string('name_en', 80).notNullable();
    t.integer('sort').notNullable().defaultTo(0);
    t.boolean('active').notNullable().defaultTo(true);
  });
  await knex('beneficiary_groups').insert(GROUPS.map(([code, nameZh, nameEn], i) => ({ code, name_zh: nameZh, name_en: nameEn, sort: i, active: true })));

  // The kinds of help: added, or (助行, 公共设施 may exist already) made active and put in order.
  for (const [i, [code, nameZh, nameEn]] of CATEGORIES.entries()) {
    const exists = await knex('categories').where({ code }).first();
    if (exists) await knex('categories').where({ code }).update({ sort: i, active: true });
    else await knex('categories').insert({ code, name_zh: nameZh, name_en: nameEn, sort: i, active: true });
  }
  await knex('categories').whereIn('code', OLD_CATEGORIES).update({ active: false });

  await knex.schema.alterTable('projects', (t) => {
    t.integer('budget_year');
    t.string('main_group', 16);
    t.text('other_groups').notNullable().defaultTo('[]'); // JSON array of group codes
    t.index(['budget_year']);
    t.index(['main_group']);
  });
  await knex('projects').update({ budget_year: knex.ref('year') });
  const cases = GROUP_OF_OLD_CATEGORY.map(() => 'WHEN ? THEN ?').join(' ');
  await knex.raw(`UPDATE projects SET main_group = CASE category ${cases} ELSE ? END`, [...GROUP_OF_OLD_CATEGORY.flat(), DEFAULT_GROUP]);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    t.dropIndex(['main_group']);
    t.dropIndex(['budget_year']);
  });
  await knex.schema.alterTable('projects', (t) => {
    t.dropColumn('other_groups');
    t.dropColumn('main_group');
    t.dropColumn('budget_year');
  });
  await knex('categories').whereIn('code', OLD_CATEGORIES).update({ active: true });
  // The kinds of help this migration added go, unless a project names them (a project keeps its
  // code); 助行 and 公共设施 were categories before it (the demo's), so they stay.
  await knex('categories')
    .whereIn('code', CATEGORIES.map(([code]) => code).filter((code) => !CATEGORIES_BEFORE.includes(code)))
    .whereNotIn('code', knex('projects').distinct('category'))
    .delete();
  await knex.schema.dropTableIfExists('beneficiary_groups');
}
