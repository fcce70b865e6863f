// The `vendor` workflow (issue 14, item 2): every shortest and simple path of its machine from
// xstate/graph, replayed with the pure transition(); the hooks (district only, a required reason,
// refusal reasons); and every disallowed event in every state.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import {
  authorize, refusalReasons, statusOf, validateVendorEvent, vendorMachine, VENDOR_EVENT_TYPES, type VendorEvent, type VendorSnapshot,
} from '../../workflows/vendor/index.js';

const AT = '2026-03-02T01:00:00.000Z';
const district = { id: 'u-district', role: 'district' };
const ev = (type: VendorEvent['type'], reason = '服务质量不达标'): VendorEvent => ({ type, reason, at: AT, actor: district });
const events = () => [ev('SUSPEND'), ev('REINSTATE')];
// the context counts changes, so states are told apart by their status alone (else the graph never ends)
const serializeState = (s: { value: unknown }) => JSON.stringify(s.value);

describe('the vendor machine', () => {
  it('when it starts without a status, then it is active; with status suspended (older data), then it starts suspended', () => {
    expect(initialTransition(vendorMachine, { vendorId: 'vd-a' })[0].value).toBe('active');
    expect(initialTransition(vendorMachine, { vendorId: 'vd-a', status: 'active' })[0].value).toBe('active');
    const [s] = initialTransition(vendorMachine, { vendorId: 'vd-a', status: 'suspended' });
    expect(s.value).toBe('suspended');
    expect(s.context).toMatchObject({ vendorId: 'vd-a', startedAs: 'suspended', changes: 0, last: null });
  });

  it('when xstate/graph walks its shortest paths, then it reaches active and suspended, and each path replays with transition() to the same state', () => {
    const paths = getShortestPaths(vendorMachine, { input: { vendorId: 'vd-a' }, events, serializeState });
    const reached = new Set(paths.map((p) => String(p.state.value)));
    expect(reached).toEqual(new Set(['active', 'suspended']));
    for (const p of paths) {
      let [s] = initialTransition(vendorMachine, { vendorId: 'vd-a' });
      for (const step of p.steps.slice(1)) [s] = transition(vendorMachine, s, step.event as VendorEvent);
      expect(s.value).toEqual(p.state.value);
    }
  });

  it('when xstate/graph walks its simple paths, then suspending and reinstating counts each change and keeps the last reason', () => {
    const paths = getSimplePaths(vendorMachine, { input: { vendorId: 'vd-a' }, events, serializeState });
    expect(paths.length).toBeGreaterThanOrEqual(2);
    let [s] = initialTransition(vendorMachine, { vendorId: 'vd-a' });
    [s] = transition(vendorMachine, s, ev('SUSPEND', '逾期未整改'));
    expect(s.value).toBe('suspended');
    expect(s.context.last).toEqual({ type: 'SUSPEND', reason: '逾期未整改', at: AT, actorId: 'u-district' });
    [s] = transition(vendorMachine, s, ev('REINSTATE', '已整改到位'));
    expect(s.value).toBe('active');
    expect(s.context.changes).toBe(2);
    expect(s.context.last?.reason).toBe('已整改到位');
  });

  it('when an event the state does not take is sent, then the machine refuses it and the refusal names why', () => {
    for (const status of ['active', 'suspended'] as const) {
      const [s] = initialTransition(vendorMachine, { vendorId: 'vd-a', status });
      for (const type of VENDOR_EVENT_TYPES) {
        const allowed = (status === 'active' && type === 'SUSPEND') || (status === 'suspended' && type === 'REINSTATE');
        expect(s.can(ev(type)), `${status} ${type}`).toBe(allowed);
        const reasons = refusalReasons(s as unknown as VendorSnapshot, { type });
        if (allowed) expect(reasons).toEqual([]);
        else expect(reasons[0]!.code).toBe(status === 'active' ? 'VENDOR_NOT_SUSPENDED' : 'VENDOR_ALREADY_SUSPENDED');
      }
      expect(statusOf(s)).toBe(status);
    }
  });
});

describe('the vendor workflow hooks', () => {
  const [s] = initialTransition(vendorMachine, { vendorId: 'vd-a' });
  it('when anyone but the district sends an event, then it is WRONG_ROLE', () => {
    expect(authorize(s as unknown as VendorSnapshot, { type: 'SUSPEND' }, district)).toEqual([]);
    for (const role of ['admin', 'street', 'community', 'finance', 'vendor', 'anonymous', 'system']) {
      expect(authorize(s as unknown as VendorSnapshot, { type: 'SUSPEND' }, { id: 'x', role })[0]!.code).toBe('WRONG_ROLE');
    }
  });

  it('when the reason is missing, blank or not text, then validation names the field; unknown fields are dropped', () => {
    expect(validateVendorEvent({ type: 'SUSPEND' })).toEqual({ ok: false, fields: { reason: 'validation.required' } });
    expect(validateVendorEvent({ type: 'SUSPEND', reason: '   ' })).toEqual({ ok: false, fields: { reason: 'validation.required' } });
    expect(validateVendorEvent({ type: 'REINSTATE', reason: 42 })).toMatchObject({ ok: false, fields: { reason: expect.any(String) } });
    expect(validateVendorEvent({ type: 'DELETE', reason: 'x' })).toEqual({ ok: false, fields: { type: 'validation.enum' } });
    expect(validateVendorEvent({ type: 'SUSPEND', reason: ' 质量问题 ', status: 'active' })).toEqual({ ok: true, value: { reason: '质量问题' } });
  });
});
