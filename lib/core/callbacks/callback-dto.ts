import { z } from 'zod';
import { CALLBACK_STATUSES, type CallbackRow } from '../../db/schema';
import { iso, ZId, ZJsonObject, ZTimestamp } from '../dto';
import { ZNextCursor } from '../pagination';

export const ZCallback = z.strictObject({
  id: ZId,
  key: z.string(),
  status: z.enum(CALLBACK_STATUSES).meta({ description: 'held (waiting for a pause on its key), consumed (by `consumed_by`), expired (CALLBACK_HOLD passed), refused (by `consumed_by`: its resume_data does not match that pause step\'s input_schema; see `refused_reason`)' }),
  resume_data: ZJsonObject,
  sent_by: z.string(),
  created_at: ZTimestamp,
  expires_at: ZTimestamp,
  consumed_at: ZTimestamp.nullable(),
  consumed_by: ZId.nullable().meta({ description: 'The execution that consumed it' }),
  expired_at: ZTimestamp.nullable(),
  refused_reason: z.string().nullable().meta({ description: 'Why the pause on its key refused it (the failing path of its input_schema)' }),
});
export type CallbackDto = z.infer<typeof ZCallback>;

/** 202: nobody waits on the key yet; the first execution that pauses on it consumes the callback. */
export const ZHeldCallback = z.strictObject({
  held: z.literal(true),
  expires_at: ZTimestamp,
  callback: ZCallback,
});
export type HeldCallbackDto = z.infer<typeof ZHeldCallback>;

export const ZCallbackList = z.strictObject({ callbacks: z.array(ZCallback), count: z.number().int(), next_cursor: ZNextCursor });
export type CallbackListDto = z.infer<typeof ZCallbackList>;

export function toCallbackDto(r: CallbackRow): CallbackDto {
  return {
    id: r.id,
    key: r.key,
    status: r.status,
    resume_data: r.resumeData,
    sent_by: r.sentBy,
    created_at: r.createdAt.toISOString(),
    expires_at: r.expiresAt.toISOString(),
    consumed_at: iso(r.consumedAt),
    consumed_by: r.consumedBy,
    expired_at: iso(r.expiredAt),
    refused_reason: r.refusedReason,
  };
}
