import type { z } from "zod";
import { EventSchemaError } from "../errors.js";
import { eventMetadata } from "../events/metadata.js";
import type { NewEvent } from "./types.js";

const issuesOf = (root: string, error: z.ZodError) => error.issues.map((i) => ({ path: [root, ...i.path.map(String)].join("."), message: i.message }));

/**
 * The store's gate: an event whose data its type's schema rejects, or whose metadata the platform's
 * rejects, throws EventSchemaError naming every problem. Only checked, never replaced by the parse
 * result: what is stored is the JSON of what the caller built, key order included.
 */
export function checkEvent(streamId: string, e: NewEvent): void {
  const data = e.eventType.schema.safeParse(e.data);
  const metadata = eventMetadata.safeParse(e.metadata);
  if (data.success && metadata.success) return;
  throw new EventSchemaError(streamId, e.eventType.type, [
    ...(data.error ? issuesOf("data", data.error) : []),
    ...(metadata.error ? issuesOf("metadata", metadata.error) : []),
  ]);
}
