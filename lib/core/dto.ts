/**
 * Building blocks of the response schemas (the `Z…` next to each DTO mapper): the API validates its
 * own answers against them in tests, documents them in OpenAPI, and the console's types are inferred
 * from them — one definition of each shape.
 */
import { z } from 'zod';
import { UUID_PATTERN } from './ids';

export const ZId = z.string().regex(new RegExp(`^${UUID_PATTERN}$`)).meta({ format: 'uuid' });
export const ZTimestamp = z.iso.datetime().meta({ description: 'ISO 8601 timestamp, UTC' });
export const ZJsonObject = z.record(z.string(), z.unknown());

/** Timestamps leave the API as toISOString() (UTC, milliseconds). */
export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
