/**
 * The personal fields of the need's events: each enters its history row's hash as a salted digest
 * (the engine's hash scheme 2), so that a copy with them masked still verifies.
 * - `$start.input.beneficiaryId`, `$start.input.contact`: which resident, and how to reach them;
 * - `$start.input.description`: residents describe their own situation (health, household);
 * - `INFORM_RESIDENT.note`: what was said to the resident on the call.
 */
export const NEED_PERSONAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  $start: ['input.beneficiaryId', 'input.contact', 'input.description'],
  INFORM_RESIDENT: ['note'],
};

export function personalFields(eventType: string): readonly string[] {
  return Object.hasOwn(NEED_PERSONAL_FIELDS, eventType) ? NEED_PERSONAL_FIELDS[eventType]! : [];
}
