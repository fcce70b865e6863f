/**
 * The fields of the project's events that readers may get masked, nulled or not at all
 * (src/projects/project-presenter.ts `presentHistory`): each enters its history row's hash as a
 * salted digest (the engine's hash scheme 2), so that a masked history still verifies.
 *
 * - `$start.input`: the proposal as created; the history shows it to nobody (the project page
 *   does), since it repeats the project's facts and its rules.
 * - `OBJECT.contact`, `OBJECT.receivedVia`: an objector's phone (masked outside the own community)
 *   and how the objection came in (not shown outside it).
 * - `RECORD_DELIVERY.beneficiaryRef`: which household a delivery served.
 * - `RECORD_ACCEPTANCE.signatories[].name`: the signatories' names (beneficiaries' are masked).
 * - `SUBMIT_QUOTE.*`, `WITHDRAW_QUOTE.*`: not personal but sealed — staff get the row without them
 *   until the quote deadline has passed (the row says `sealed`), and the copy still verifies.
 *
 * Add a field here whenever the presenter starts masking one: a masked field without a digest
 * makes the masked copy fail to verify.
 */
export const PERSONAL_FIELDS: Readonly<Record<string, readonly string[]>> = {
  $start: ['input'],
  // sealed, not personal: staff read a quote's amount, lines and files only after the quote deadline
  SUBMIT_QUOTE: ['amountFen', 'items', 'validUntil', 'attachments', 'comment'],
  WITHDRAW_QUOTE: ['attachments', 'comment'],
  OBJECT: ['contact', 'receivedVia'],
  RECORD_DELIVERY: ['beneficiaryRef'],
  RECORD_ACCEPTANCE: ['signatories[].name'],
};

/** The personal fields of an event type (paths, `[]` = every element). */
export function personalFields(eventType: string): readonly string[] {
  return Object.hasOwn(PERSONAL_FIELDS, eventType) ? PERSONAL_FIELDS[eventType]! : [];
}
