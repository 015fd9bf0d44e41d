import { sql } from 'drizzle-orm';
import { boolean, integer, json, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { Definition } from '../../core/engine/definition';

export const workflows = pgTable('workflows', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  key: text('key').notNull().unique(),
  name: text('name').notNull(),
  description: text('description'),
  version: integer('version').notNull().default(1),
  // json, not jsonb: an input_schema's fields keep their author's order (migration 0011).
  definition: json('definition').$type<Definition>().notNull(),
  enabled: boolean('enabled').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

export type WorkflowRow = typeof workflows.$inferSelect;
