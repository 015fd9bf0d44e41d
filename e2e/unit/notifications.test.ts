import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ZDefinition } from '@/lib/core/engine/definition';
import { nextFollowUpMs } from '@/lib/core/engine/execute-step';
import { keyFields } from '@/lib/core/notifications/compose';
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs, signWebhook, withLink } from '@/lib/core/notifications/deliver';
import { LINK_TOKEN_PLACEHOLDER } from '@/lib/core/notifications/links';

const step = (extra: Record<string, unknown>) =>
  ZDefinition.parse({ steps: [{ id: 'gate', type: 'approval', reason: 'r', ...extra }] }).steps[0]!;

describe('follow-up times', () => {
  it('takes reminders in order and the escalation once, whichever comes first', () => {
    const s = step({ remind_after: ['PT4H', 'PT20H'], escalate_after: 'PT8H', escalate_to: { role: 'admin' } });
    expect(nextFollowUpMs(s, 0, false)).toBe(4 * 3_600_000);
    expect(nextFollowUpMs(s, 1, false)).toBe(8 * 3_600_000);
    expect(nextFollowUpMs(s, 1, true)).toBe(20 * 3_600_000);
    expect(nextFollowUpMs(s, 2, true)).toBeNull();
    expect(nextFollowUpMs(step({ remind_after: [3] }), 0, false)).toBe(3000);
    expect(nextFollowUpMs(step({}), 0, false)).toBeNull();
  });

  it('refuses an escalation without a target, and a target without a time', () => {
    expect(ZDefinition.safeParse({ steps: [{ id: 'g', type: 'approval', reason: 'r', escalate_after: 'PT1H' }] }).success).toBe(false);
    expect(ZDefinition.safeParse({ steps: [{ id: 'g', type: 'approval', reason: 'r', escalate_to: { users: ['a@example.com'] } }] }).success).toBe(false);
    expect(ZDefinition.safeParse({ steps: [{ id: 'g', type: 'approval', reason: 'r', assignees: ['not an email'] }] }).success).toBe(false);
  });
});

describe('delivery', () => {
  it('backs off exponentially with jitter, capped at an hour', () => {
    for (let i = 0; i < 50; i++) {
      expect(retryDelayMs(1)).toBeGreaterThanOrEqual(1600);
      expect(retryDelayMs(1)).toBeLessThanOrEqual(2400);
      expect(retryDelayMs(3)).toBeGreaterThanOrEqual(6400);
      expect(retryDelayMs(3)).toBeLessThanOrEqual(9600);
      expect(retryDelayMs(30)).toBeLessThanOrEqual(3_600_000 * 1.2);
    }
    expect(MAX_DELIVERY_ATTEMPTS).toBeGreaterThan(3);
  });

  it('signs the exact body with HMAC-SHA256', () => {
    const body = '{"type":"approval.requested"}';
    expect(signWebhook(body, 'secret-secret-secret')).toBe(`sha256=${createHmac('sha256', 'secret-secret-secret').update(body).digest('hex')}`);
  });

  it('fills in the link token, or says it was removed', () => {
    expect(withLink(`go to https://x/decide/${LINK_TOKEN_PLACEHOLDER} now`, 'wrd_abc')).toBe('go to https://x/decide/wrd_abc now');
    expect(withLink(`https://x/decide/${LINK_TOKEN_PLACEHOLDER}`, null)).toContain('link removed after delivery');
  });

  it("shows a payload's first fields, values cut short", () => {
    const fields = keyFields({ amount: 12500, note: 'x'.repeat(200), nested: { a: 1 }, a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 });
    expect(fields).toHaveLength(8);
    expect(fields[0]).toEqual(['amount', '12500']);
    expect(fields[1]![1].length).toBe(80);
    expect(fields[2]).toEqual(['nested', '{"a":1}']);
    expect(keyFields(null)).toEqual([]);
  });
});
