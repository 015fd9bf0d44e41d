import { describe, expect, it } from 'vitest';
import { canTransition, EXECUTION_STATUSES, isTerminal, TERMINAL_STATUSES } from '@/lib/core/engine/state-machine';

describe('execution state machine', () => {
  it('lets running executions pause, finish or be cancelled', () => {
    for (const to of ['paused', 'completed', 'failed', 'cancelled', 'rejected'] as const) expect(canTransition('running', to)).toBe(true);
  });
  it('resumes only from paused', () => {
    for (const from of EXECUTION_STATUSES) expect(canTransition(from, 'running')).toBe(from === 'paused');
  });
  it('pauses only from running', () => {
    for (const from of EXECUTION_STATUSES) expect(canTransition(from, 'paused')).toBe(from === 'running');
  });
  it('never leaves a terminal status', () => {
    for (const from of TERMINAL_STATUSES) {
      expect(isTerminal(from)).toBe(true);
      for (const to of EXECUTION_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
  });
  it('expires only paused executions', () => {
    for (const from of EXECUTION_STATUSES) expect(canTransition(from, 'expired')).toBe(from === 'paused');
  });
  it('rejects unknown statuses', () => {
    expect(canTransition('bogus', 'running')).toBe(false);
  });
});
