// The OCDS 1.1.5 schemas (tests/fixtures/ocds, with their licence) as ajv draft-04 validators, and
// the codelists, for every test that publishes open contracting data.
import { readFileSync } from 'node:fs';
import AjvDraft04 from 'ajv-draft-04';
import { expect } from 'vitest';

const FIXTURES = new URL('../fixtures/ocds/', import.meta.url);
const json = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;
export const codelist = (name: string): Set<string> =>
  new Set(readFileSync(new URL(`codelists/${name}.csv`, FIXTURES), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]!));

// ajv-draft-04 is CommonJS: its class is the module itself or its `default`.
type AjvClass = typeof AjvDraft04.default;
const Ajv = ((AjvDraft04 as unknown as { default?: AjvClass }).default ?? AjvDraft04) as unknown as AjvClass;

export function validators() {
  // The OCDS schemas carry their own keywords (codelist, openCodelist, deprecated …): not strict.
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is not installed: the two formats the schemas use, checked here.
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addFormat('uri', (s: string) => {
    try {
      return /^[a-z][a-z0-9+.-]*:/i.test(s) && Boolean(new URL(s));
    } catch {
      return false;
    }
  });
  ajv.addSchema(json('release-schema.json'));
  // The versioned-release schema is not shipped (records are optional): records here carry none.
  ajv.addSchema({ id: 'https://standard.open-contracting.org/schema/1__1__5/versioned-release-validation-schema.json', type: 'object' });
  const release = ajv.getSchema('https://standard.open-contracting.org/schema/1__1__5/release-schema.json')!;
  const releasePackage = ajv.compile(json('release-package-schema.json'));
  const recordPackage = ajv.compile(json('record-package-schema.json'));
  const check = (v: typeof release, doc: unknown, where: string) => {
    const ok = v(doc);
    expect(ok, `${where}: ${JSON.stringify(v.errors?.slice(0, 5), null, 1)}`).toBe(true);
  };
  return {
    release: (doc: unknown, where: string) => check(release, doc, `${where} (release schema)`),
    releasePackage: (doc: unknown, where: string) => check(releasePackage, doc, `${where} (release package schema)`),
    recordPackage: (doc: unknown, where: string) => check(recordPackage, doc, `${where} (record package schema)`),
  };
}

