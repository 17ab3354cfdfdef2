import type { z } from "zod";

/** A domain event type: its past-tense name and the zod schema of its data, declared once. */
export interface EventType<T extends string = string, S extends z.ZodType = z.ZodType> {
  readonly type: T;
  readonly schema: S;
}

export const eventType = <T extends string, S extends z.ZodType>(type: T, schema: S): EventType<T, S> => ({ type, schema });

/** Distributes over a union of event types, so a union of them becomes a discriminated union of events. */
export type EventOf<E extends EventType> = E extends EventType ? { type: E["type"]; data: z.infer<E["schema"]> } : never;

/** Parses raw stored data into the typed event, failing loudly on a schema mismatch. */
export function parseEvent<E extends EventType>(types: readonly E[], raw: { type: string; data: unknown }): EventOf<E> | null {
  const t = types.find((e) => e.type === raw.type);
  if (!t) return null;
  return { type: t.type, data: t.schema.parse(raw.data) } as EventOf<E>;
}
