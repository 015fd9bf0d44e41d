/** Turns an execution's events and approval decisions into the timeline and path the detail page shows. */
import type { ExecutionApproval, ExecutionDetail, ExecutionEvent, JsonObject } from './types';

export type TimelineEntry = {
  key: string;
  kind: string;
  title: string;
  actor: string | null;
  at: string;
  stepId: string | null;
  /** Free text from people (reasons, comments): rendered as text. */
  note: string | null;
  data: JsonObject | null;
  tone: 'neutral' | 'good' | 'bad' | 'pause' | 'info';
};

const TITLES: Record<string, [string, TimelineEntry['tone']]> = {
  started: ['Started', 'info'],
  step_completed: ['Step completed', 'neutral'],
  waiting: ['Waiting', 'neutral'],
  paused: ['Paused', 'pause'],
  approval_requested: ['Approval requested', 'pause'],
  approval_decided: ['Approval decided', 'good'],
  approved: ['Approved', 'good'],
  rejected: ['Rejected', 'bad'],
  resumed: ['Resumed', 'good'],
  completed: ['Completed', 'good'],
  failed: ['Failed', 'bad'],
  cancelled: ['Cancelled', 'bad'],
  expired: ['Expired', 'bad'],
  pause_expired: ['Pause expired', 'bad'],
  pause_warned: ['Paused for over a day', 'pause'],
  payload_edited: ['Payload edited', 'info'],
  extended: ['Deadline extended', 'info'],
  reopened: ['Approval reopened', 'pause'],
  callback_consumed: ['Held callback consumed', 'good'],
  callback_refused: ['Held callback refused', 'bad'],
};

/** "amount: 1200 → 900; note: "" → "checked"" — an approve-with-edits diff, one field after another. */
export function describeEdits(changes: unknown): string | null {
  if (!Array.isArray(changes)) return null;
  const parts = changes
    .filter((c): c is { field: string; old: unknown; new: unknown } => typeof c === 'object' && c !== null && typeof (c as { field?: unknown }).field === 'string')
    .map((c) => `${c.field}: ${JSON.stringify(c.old)} → ${JSON.stringify(c.new)}`);
  return parts.length ? parts.join('; ') : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() ? v : null;
}

function isDecisionEvent(e: ExecutionEvent): boolean {
  return (e.type === 'approved' || e.type === 'rejected') && !!e.data?.approval_id;
}

function fromEvent(e: ExecutionEvent): TimelineEntry {
  const [title, tone] = TITLES[e.type] ?? [e.type.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()), 'neutral' as const];
  const data = e.data ?? null;
  let t = title;
  let tn = tone;
  let note = str(data?.comment ?? undefined) ?? str(data?.reason ?? undefined) ?? str(data?.error ?? undefined) ?? str(data?.message ?? undefined);
  if (isDecisionEvent(e)) {
    const approve = e.type === 'approved';
    t = approve ? 'Approved' : 'Rejected';
    if (approve && typeof data?.approvals_received === 'number' && typeof data?.required_approvals === 'number') {
      t += ` (${data.approvals_received} of ${data.required_approvals})`;
    }
    if (data?.manual_resume) t += ' by a manual resume';
    tn = approve ? 'good' : 'bad';
  } else if (e.type === 'rejected') {
    t = 'Ended as rejected';
  } else if (e.type === 'paused' && data?.kind) {
    t = `Paused (${String(data.kind)})`;
  } else if (e.type === 'resumed') {
    const next = str(data?.next_step_id ?? undefined);
    const source = str(data?.source ?? undefined);
    note = [next ? `continues at ${next}` : 'continues to the end', source === 'worker' ? 'by the worker after the decision' : null].filter(Boolean).join(' · ');
  } else if (e.type === 'payload_edited') {
    t = `Payload edited (version ${String(data?.from_version)} → ${String(data?.to_version)})`;
    note = describeEdits(data?.changes);
  } else if (e.type === 'extended' && str(data?.to ?? undefined)) {
    note = `deadline ${str(data?.from ?? undefined) ?? 'none'} → ${String(data!.to)}`;
  } else if (e.type === 'callback_consumed' && str(data?.callback_key ?? undefined)) {
    note = `key ${String(data!.callback_key)}, sent ${String(data!.sent_at ?? '')}`;
  } else if (e.type === 'callback_refused' && str(data?.reason ?? undefined)) {
    note = `key ${String(data!.callback_key ?? '')}: ${String(data!.reason)}`;
  } else if (e.type === 'expired' && data?.on_timeout) {
    note = `pause timed out (on_timeout: ${String(data.on_timeout)})`;
  } else if (e.type === 'step_completed' && data?.type) {
    t = `Step completed (${String(data.type)})`;
    if (typeof data.result === 'boolean') note = `condition was ${data.result}`;
  }
  return { key: `e${e.id}`, kind: e.type, title: t, actor: e.actor, at: e.created_at, stepId: e.step_id, note, data, tone: tn };
}

/**
 * Events in order, plus each approval decision — unless the events already record decisions
 * themselves, so nothing shows twice.
 */
export function buildTimeline(d: Pick<ExecutionDetail, 'events' | 'approvals'>): TimelineEntry[] {
  const entries = d.events.map(fromEvent);
  if (!d.events.some(isDecisionEvent)) {
    for (const a of d.approvals as ExecutionApproval[]) {
      for (const dec of a.decisions) {
        entries.push({
          key: `d${a.id}${dec.actor}`,
          kind: 'decision',
          title: dec.decision === 'approve' ? 'Approved' : 'Rejected',
          actor: dec.actor,
          at: dec.created_at,
          stepId: a.step_id,
          note: dec.comment,
          data: null,
          tone: dec.decision === 'approve' ? 'good' : 'bad',
        });
      }
    }
  }
  // Stable by time; events of the same instant keep their recorded order.
  return entries
    .map((e, i) => ({ e, i }))
    .sort((x, y) => new Date(x.e.at).getTime() - new Date(y.e.at).getTime() || x.i - y.i)
    .map((x) => x.e);
}

export type PathStep = { id: string; state: 'done' | 'current' | 'paused' };

/** The steps taken, in order, ending at the step the execution is at (if it is not finished). */
export function stepPath(d: Pick<ExecutionDetail, 'events' | 'status' | 'current_step_id' | 'paused_step_id'>): PathStep[] {
  const path: PathStep[] = [];
  for (const e of d.events) {
    if (!e.step_id) continue;
    if (e.type !== 'step_completed' && e.type !== 'paused') continue;
    const last = path[path.length - 1];
    if (last && last.id === e.step_id) continue;
    path.push({ id: e.step_id, state: 'done' });
  }
  const here = d.status === 'paused' ? d.paused_step_id : d.status === 'running' ? d.current_step_id : null;
  if (here) {
    const last = path[path.length - 1];
    if (last && last.id === here) last.state = d.status === 'paused' ? 'paused' : 'current';
    else path.push({ id: here, state: d.status === 'paused' ? 'paused' : 'current' });
  }
  return path;
}

export function resumeHistory(events: ExecutionEvent[]): ExecutionEvent[] {
  return events.filter((e) => e.type === 'resumed');
}
