// Version 2 of the `project` workflow: EDIT applies the rules of a new project (the estimate equals
// the items, every amount bounded), SUBMIT refuses what version 1 let through, and version 1 stays
// as it was so that the histories it wrote replay unchanged.
import { initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { projectMachine, projectMachineV1, projectWorkflow, projectWorkflowV1, validate, migrateSnapshot } from '../../workflows/project/index.js';
import { A, ev, input } from './project.support.js';

const WORTH_A_FORTUNE = [{ name: '爬楼机', quantity: 1, unitFen: 999_999_999 }]; // ¥9,999,999.99

describe('workflow versions', () => {
  it('registers version 2 as current and keeps version 1 for replay, with a migration from 1', () => {
    expect(projectWorkflow.version).toBe(2);
    expect(projectWorkflowV1).toMatchObject({ name: 'project', version: 1 });
    const persisted = { value: 'draft', context: { stage: 'draft' } };
    expect(migrateSnapshot(1, persisted)).toBe(persisted);
    expect(migrateSnapshot(0, persisted)).toBeUndefined();
    expect(migrateSnapshot(3, persisted)).toBeUndefined();
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

  it('when version 2 runs a draft version 1 left inconsistent, then SUBMIT is refused until an EDIT fixes the items', () => {
    const [v1] = initialTransition(projectMachineV1, input());
    const [bad] = transition(projectMachineV1, v1, ev('EDIT', { fields: { items: [{ name: 'x', quantity: 1e9, unitFen: 1e9 }] } }, A.community));
    const [restored] = initialTransition(projectMachine, input());
    const snap = projectMachine.resolveState({ value: bad.value, context: bad.context });
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
