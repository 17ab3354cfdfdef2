import type { IHeaders, KafkaMessage, Message } from "kafkajs";
import { z } from "zod";
import type { StoredEvent } from "../eventstore/types.js";

/** Header `type` of a watermark record: "every event at or below `position` was published before me". */
export const WATERMARK_TYPE = "__watermark";

/** An event as the relay publishes it: key = stream id, the event in the value, the routing facts in headers. */
export function eventMessage(e: StoredEvent): Message {
  return {
    key: e.streamId,
    value: JSON.stringify({
      position: e.position,
      eventId: e.eventId,
      streamId: e.streamId,
      version: e.version,
      type: e.type,
      data: e.data,
      metadata: e.metadata,
      tag: e.tag,
      occurredAt: e.occurredAt.toISOString(),
    }),
    headers: { id: e.eventId, type: e.type, position: String(e.position), occurredAt: e.occurredAt.toISOString() },
  };
}

/** A watermark for one partition: sent after the events it vouches for, in the same produce call. */
export function watermarkMessage(position: number, partition: number): Message {
  return { partition, key: null, value: String(position), headers: { type: WATERMARK_TYPE, position: String(position) } };
}

const position = z.number().int().positive();
const envelope = z.object({
  position,
  // event_handled.event_id is CHAR(36): anything longer could never be marked handled.
  eventId: z.string().min(1).max(36),
  streamId: z.string().min(1),
  version: z.number().int().positive(),
  type: z.string().min(1),
  data: z.unknown(),
  metadata: z.looseObject({ correlationId: z.string(), causationId: z.string().nullable(), userId: z.string().nullable(), occurredAt: z.string() }),
  tag: z.string().nullable(),
  occurredAt: z.iso.datetime({ offset: true }),
});

export type DecodedRecord =
  | { kind: "event"; event: StoredEvent }
  | { kind: "watermark"; position: number }
  /** Not an event we can place in the log (bad JSON, missing fields): dead-lettered as it is. */
  | { kind: "invalid"; reason: string };

const header = (headers: IHeaders | undefined, name: string): string | undefined => {
  const v = headers?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : one.toString();
};

export function decodeMessage(m: KafkaMessage): DecodedRecord {
  const value = m.value?.toString("utf8") ?? "";
  if (header(m.headers, "type") === WATERMARK_TYPE) {
    const p = Number(value);
    return Number.isSafeInteger(p) && p >= 0
      ? { kind: "watermark", position: p }
      : { kind: "invalid", reason: `watermark value ${JSON.stringify(value)} is not a position` };
  }
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { kind: "invalid", reason: "value is not JSON" };
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success) return { kind: "invalid", reason: `not an event: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}` };
  const e = parsed.data;
  // The headers route and the value is applied: if they disagree, neither can be trusted.
  if (header(m.headers, "position") !== String(e.position) || header(m.headers, "id") !== e.eventId) {
    return { kind: "invalid", reason: "headers disagree with the value" };
  }
  return {
    kind: "event",
    event: { ...e, metadata: e.metadata, data: e.data, occurredAt: new Date(e.occurredAt) },
  };
}
