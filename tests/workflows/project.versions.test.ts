// The versions of the `project` workflow. Version 2: EDIT applies the rules of a new project (the
// estimate equals the items, every amount bounded), SUBMIT refuses what version 1 let through.
// Version 3: the programme as districts run it (lists, void meetings, three notices, budget year,
// groups, parties, partial receipts). Older versions stay as they were so that the histories they
// wrote replay unchanged, and their snapshots migrate to the current one.
import { initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { RULES_V1, projectMachine, projectMachineV1, projectMachineV2, projectWorkflow, projectWorkflowV1, projectWorkflowV2, validate, migrateSnapshot, type ProjectContext } from '../../workflows/project/index.js';
import { A, GOOD_VOTE, ev, input } from './project.support.js';

const WORTH_A_FORTUNE = [{ name: '爬楼机', quantity: 1, unitFen: 999_999_999 }]; // ¥9,999,999.99

describe('workflow versions', () => {
  it('registers version 3 as current and keeps versions 1 and 2 for replay, with migrations from both', () => {
    expect(projectWorkflow.version).toBe(3);
    expect(projectWorkflowV1).toMatchObject({ name: 'project', version: 1 });
    expect(projectWorkflowV2).toMatchObject({ name: 'project', version: 2 });
    // version 2 changed rules only: a version 1 snapshot is read as it is
    const persisted = { value: 'draft', context: { stage: 'draft' } };
    expect(projectWorkflowV2.migrateSnapshot(1, persisted)).toBe(persisted);
    expect(migrateSnapshot(0, persisted)).toBeUndefined();
    expect(migrateSnapshot(4, persisted)).toBeUndefined();
  });

  it('when a version 2 project in delivery is migrated to version 3, then its rules keep their meaning and receipts count in quantities', () => {
    const old = { ...RULES_V1, noticeWorkingDays: 7 } as unknown as Record<string, unknown>;
    delete old.notices; delete old.screening; delete old.budgetYearsAhead; delete old.parties; delete old.sources;
    old.acceptance = { satisfactionPct: 80, signatories: ['community', 'residents_rep', 'beneficiary'], extraSignatories: { works: ['supervisor'] } };
    const [v2] = initialTransition(projectMachineV2, input({ rules: old as never, category: '助残', budgetYear: undefined, mainGroup: undefined, otherGroups: undefined }));
    expect(v2.context).not.toHaveProperty('budgetYear');
    const persisted = JSON.parse(JSON.stringify({ value: 'delivery', status: 'active', context: {
      ...v2.context, stage: 'delivery', noticeEndsAt: '2026-03-09T01:00:00.000Z',
      deliberation: { ...GOOD_VOTE, failures: [], at: '2026-03-02T01:00:00.000Z' },
      objections: [{ id: 'objection-1', text: 'x', contact: null, at: '2026-03-03T01:00:00.000Z', status: 'dismissed', response: 'y' }],
      contract: { contractNo: 'HT', amountFen: 100, dueOn: '2026-06-30', dueAt: null, signedAt: 'x', confirmedAt: 'y', items: [
        { id: 'item-1', name: 'a', quantity: 2, unitFen: 25, deliveredQty: 2, confirmed: true, disputed: false, disputeReason: null, deliveries: [] },
        { id: 'item-2', name: 'b', quantity: 1, unitFen: 50, deliveredQty: 1, confirmed: false, disputed: false, disputeReason: null, deliveries: [] },
      ] },
    } }));
    const migrated = migrateSnapshot(2, persisted) as { context: ProjectContext };
    const c = migrated.context;
    expect(c.rules.notices).toEqual({ proposal: { workingDays: 7 } });
    expect(c.rules.parties).toEqual({ purchaser: 'community', budgetApprover: 'district', payer: 'district' });
    expect(c.rules.screening.positiveAreas.length).toBe(7);
    expect(c).toMatchObject({ budgetYear: 2026, mainGroup: '残疾人', otherGroups: [] });
    expect(c.notices).toEqual([{ kind: 'proposal', startedAt: '2026-03-02T01:00:00.000Z', endsAt: '2026-03-09T01:00:00.000Z' }]);
    expect(c.meetings).toHaveLength(1);
    expect(c.objections[0]!.notice).toBe('proposal');
    expect(c.contract!.items.map((i) => [i.confirmedQty, i.disputedQty])).toEqual([[2, 0], [0, 0]]);
    // and version 3 runs it: the last line is confirmed by quantity, then acceptance starts
    const snap = projectMachine.resolveState({ value: 'delivery', context: c });
    const [next] = transition(projectMachine, snap, ev('CONFIRM_RECEIPT', { itemId: 'item-2', quantity: 1 }, A.community));
    expect(next.context.contract!.items[1]!.confirmed).toBe(true);
    expect(migrateSnapshot(2, JSON.parse(JSON.stringify(migrated)))).toEqual(JSON.parse(JSON.stringify(migrated))); // idempotent
  });

  it('when an EDIT sets an estimate of 1 fen on items worth ¥9,999,999.99, then version 1 took it and version 2 refuses it', () => {
    const edit = ev('EDIT', { fields: { estimatedFen: 1, items: WORTH_A_FORTUNE } }, A.community);
    const [v1] = initialTransition(projectMachineV1, input());
    expect(v1.can(edit)).toBe(true);
    const [edited] = transition(projectMachineV1, v1, edit);
    expect(edited.context.estimatedFen).toBe(1);
    expect(edited.can(ev('SUBMIT', {}, A.community))).toBe(true); // the attack, as version 1 replays it

    const [v2] = initialTransition(projectMachine, input());
    expect(v2.can(edit)).toBe(false);
    expect(projectWorkflow.refusalReasons(v2, edit)).toEqual([
      { code: 'ESTIMATE_NOT_ITEMS_SUM', params: { sumFen: 999_999_999, estimatedFen: 1 } },
    ]);
  });

  it('when the current version runs a draft version 1 left inconsistent, then SUBMIT is refused until an EDIT fixes the items', () => {
    const [v1] = initialTransition(projectMachineV1, input());
    const [bad] = transition(projectMachineV1, v1, ev('EDIT', { fields: { items: [{ name: 'x', quantity: 1e9, unitFen: 1e9 }] } }, A.community));
    const [restored] = initialTransition(projectMachine, input());
    // as the engine loads it: migrated to the current version first
    const migrated = migrateSnapshot(1, JSON.parse(JSON.stringify({ value: bad.value, context: bad.context }))) as { value: string; context: ProjectContext };
    const snap = projectMachine.resolveState(migrated);
    expect(restored.value).toBe('draft');
    expect(projectWorkflow.refusalReasons(snap, ev('SUBMIT', {}, A.community)).map((r) => r.code)).toContain('AMOUNT_INVALID');
    // A title can still be corrected; the estimate alone cannot be set against such items.
    expect(snap.can(ev('EDIT', { fields: { title: '改个标题' } }, A.community))).toBe(true);
    expect(projectWorkflow.refusalReasons(snap, ev('EDIT', { fields: { estimatedFen: 5 } }, A.community)).map((r) => r.code)).toEqual(['AMOUNT_INVALID']);
    const fixed = transition(projectMachine, snap, ev('EDIT', { fields: { items: [{ name: 'x', quantity: 2, unitFen: 300 }] } }, A.community))[0];
    expect(fixed.context.estimatedFen).toBe(600); // recomputed from the new items
    expect(fixed.can(ev('SUBMIT', {}, A.community))).toBe(true);
  });
});

describe('EDIT payload (the rules of a new project)', () => {
  const fields = (v: ReturnType<typeof validate>) => (v.ok ? {} : v.fields);

  it('when items come without an estimate, then the validated payload carries the estimate they add up to', () => {
    const v = validate({ type: 'EDIT', fields: { items: [{ name: '扶手', quantity: 3, unitFen: 12_345 }] } });
    expect(v).toMatchObject({ ok: true, value: { fields: { estimatedFen: 37_035 } } });
  });

  it.each([
    ['an estimate that differs from the items', { estimatedFen: 1, items: WORTH_A_FORTUNE }, 'fields.estimatedFen', 'validation.itemsSum'],
    ['a line past 2^53', { items: [{ name: 'x', quantity: 1e9, unitFen: 1e9 }] }, 'fields.items.0.quantity', 'validation.too_big'],
    ['a line over the bound', { items: [{ name: 'x', quantity: 1_000_000, unitFen: 1e12 }] }, 'fields.items.0.unitFen', 'validation.amount_too_large'],
    ['a sum over the bound', { items: Array.from({ length: 2 }, () => ({ name: 'x', quantity: 1, unitFen: 9e12 })) }, 'fields.items', 'validation.amount_too_large'],
    ['a unit price as a string', { items: [{ name: 'x', quantity: 1, unitFen: '100' }] }, 'fields.items.0.unitFen', 'validation.number'],
    ['a hex estimate', { estimatedFen: '0x64' }, 'fields.estimatedFen', 'validation.number'],
    ['a fractional estimate', { estimatedFen: 12.5 }, 'fields.estimatedFen', 'validation.integer'],
    ['a negative estimate', { estimatedFen: -5 }, 'fields.estimatedFen', 'validation.non_negative'],
    ['a zero estimate', { estimatedFen: 0 }, 'fields.estimatedFen', 'validation.positive'],
    ['an unsafe estimate', { estimatedFen: 2 ** 53 + 2 }, 'fields.estimatedFen', 'validation.integer'],
    ['an empty description', { description: ' ' }, 'fields.description', 'validation.required'],
    ['a title with NUL', { title: 'a\u0000b' }, 'fields.title', 'validation.text_control'],
    ['a title of zero-width spaces', { title: '\u200B\u200D\uFEFF' }, 'fields.title', 'validation.text_invisible'],
    ['a title with a line break', { title: '第一行\r\n第二行' }, 'fields.title', 'validation.one_line'],
    ['a title with a lone surrogate', { title: 'x\uD800y' }, 'fields.title', 'validation.text_surrogate'],
    ['an item name with a line break', { items: [{ name: 'a\nb', quantity: 1, unitFen: 1 }] }, 'fields.items.0.name', 'validation.one_line'],
  ])('when EDIT sends %s, then it is refused with an i18n key', (_what, f, path, key) => {
    expect(fields(validate({ type: 'EDIT', fields: f }))[path]).toBe(key);
  });

  it('accepts line breaks in free text but not in one-line fields of other events', () => {
    expect(validate({ type: 'COMMENT', text: '第一行\n第二行' }).ok).toBe(true);
    expect(fields(validate({ type: 'COMMENT', text: '\u200B' })).text).toBe('validation.text_invisible');
    expect(fields(validate({ type: 'COMMENT', text: 'a\u0000' })).text).toBe('validation.text_control');
    expect(fields(validate({ type: 'RECORD_PAYMENT', tranche: 'final', amountFen: 1, voucherNo: 'P-1\r\nP-2' })).voucherNo).toBe('validation.one_line');
    expect(fields(validate({ type: 'SIGN_CONTRACT', contractNo: 'HT\n1', items: [{ name: 'x', quantity: 1, unitFen: 1 }], amountFen: 1, dueOn: '2026-05-01' })).contractNo).toBe('validation.one_line');
  });
});
