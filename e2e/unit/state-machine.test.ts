import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, EXECUTION_STATUSES, sourcesOf, TERMINAL_STATUSES } from '@/lib/core/engine/state-machine';

describe('execution state machine', () => {
  it('lets running executions pause, finish or be cancelled', () => {
    for (const to of ['paused', 'completed', 'failed', 'cancelled', 'rejected'] as const) expect(canTransition('running', to)).toBe(true);
  });
  it('resumes only from paused', () => {
    for (const from of EXECUTION_STATUSES) expect(canTransition(from, 'running')).toBe(from === 'paused');
  });
  it('pauses only from running', () => {
    for (const from of EXECUTION_STATUSES) expect(canTransition(from, 'paused')).toBe(from === 'running');
    expect(sourcesOf('paused')).toEqual(['running']);
  });
  it('assertTransition throws 409 conflict exactly where canTransition says no', () => {
    for (const from of EXECUTION_STATUSES)
      for (const to of EXECUTION_STATUSES) {
        if ((from === to && !TERMINAL_STATUSES.includes(from)) || canTransition(from, to)) expect(() => assertTransition(from, to)).not.toThrow();
        else expect(() => assertTransition(from, to)).toThrow(expect.objectContaining({ code: 'conflict' }));
      }
  });
  it('never leaves a terminal status', () => {
    for (const from of TERMINAL_STATUSES) {
      for (const to of EXECUTION_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
  });
  it('calls terminal exactly the statuses with no way out', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(EXECUTION_STATUSES.filter((s) => EXECUTION_STATUSES.every((t) => !canTransition(s, t))).sort());
  });
  it('expires only paused executions', () => {
    for (const from of EXECUTION_STATUSES) expect(canTransition(from, 'expired')).toBe(from === 'paused');
  });
  it('rejects unknown statuses', () => {
    expect(canTransition('bogus', 'running')).toBe(false);
  });
});
