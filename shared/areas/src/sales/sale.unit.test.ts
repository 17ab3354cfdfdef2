import { describe, expect, it } from "vitest";
import { specFor } from "@surge/platform/events/spec";
import { saleDecider } from "./sale.js";
import type { SaleDefinition, SaleEvent } from "./events.js";

const spec = specFor(saleDecider);
const now = new Date("2026-11-21T09:00:00.000Z");
const def: SaleDefinition = {
  eventId: "e1",
  name: "Black Friday 10:00",
  opensAt: "2026-11-21T10:00:00.000Z",
  closesAt: "2026-11-21T12:00:00.000Z",
  deals: [{ dealId: "d1", productId: "p1", productName: "Keyring", salePrice: 9900, stock: 500, perUserLimit: 2 }],
  goods: null,
};
const scheduled: SaleEvent = { type: "EventScheduled", data: def };
const opened: SaleEvent = { type: "EventOpened", data: { eventId: "e1", openedAt: "2026-11-21T10:00:00.000Z", forced: false } };
const closed: SaleEvent = { type: "EventClosed", data: { eventId: "e1", closedAt: "2026-11-21T12:00:00.000Z", forced: false } };
const at = (iso: string) => new Date(iso);

describe("sale event decider", () => {
  it("schedules an event that opens later", () => {
    expect(spec.given([]).when({ type: "ScheduleSale", definition: def, now })).toEqual({ events: [scheduled] });
  });

  it("opens at once an event whose opensAt has passed", () => {
    const outcome = spec.given([]).when({ type: "ScheduleSale", definition: def, now: at("2026-11-21T10:30:00.000Z") });
    expect(outcome).toMatchObject({ events: [scheduled, { type: "EventOpened" }] });
  });

  it("rejects inconsistent definitions", () => {
    const bad = { ...def, closesAt: "2026-11-21T09:30:00.000Z", deals: [def.deals[0]!, { ...def.deals[0]!, dealId: "d2" }] };
    const outcome = spec.given([]).when({ type: "ScheduleSale", definition: bad, now });
    expect(outcome).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
  });

  it("takes a per-user limit above the deal's stock (a store-wide limit of 5 on 3 units is ordinary)", () => {
    const generous = { ...def, deals: [{ ...def.deals[0]!, stock: 3, perUserLimit: 5 }] };
    expect(spec.given([]).when({ type: "ScheduleSale", definition: generous, now })).toMatchObject({ events: [{ type: "EventScheduled" }] });
  });

  it("opens by schedule only from opensAt, and forced at any time", () => {
    expect(spec.given([scheduled]).when({ type: "OpenSale", now: at("2026-11-21T09:59:59.999Z"), forced: false })).toEqual({ events: [] });
    expect(spec.given([scheduled]).when({ type: "OpenSale", now: at("2026-11-21T10:00:00.000Z"), forced: false })).toEqual({ events: [opened] });
    expect(spec.given([scheduled]).when({ type: "OpenSale", now, forced: true })).toMatchObject({ events: [{ type: "EventOpened", data: { forced: true } }] });
  });

  it("opens once: a second open decides nothing", () => {
    expect(spec.given([scheduled, opened]).when({ type: "OpenSale", now, forced: true })).toEqual({ events: [] });
  });

  it("does not reopen a closed event", () => {
    expect(spec.given([scheduled, opened, closed]).when({ type: "OpenSale", now, forced: true })).toMatchObject({ error: { code: "INVALID_STATE" } });
    expect(spec.given([scheduled, opened, closed]).when({ type: "OpenSale", now, forced: false })).toEqual({ events: [] });
  });

  it("closes by schedule from closesAt, forced at any time, once", () => {
    expect(spec.given([scheduled, opened]).when({ type: "CloseSale", now: at("2026-11-21T11:59:59.000Z"), forced: false })).toEqual({ events: [] });
    expect(spec.given([scheduled, opened]).when({ type: "CloseSale", now: at("2026-11-21T12:00:00.000Z"), forced: false })).toMatchObject({
      events: [{ type: "EventClosed" }],
    });
    expect(spec.given([scheduled]).when({ type: "CloseSale", now, forced: true })).toMatchObject({ events: [{ type: "EventClosed" }] });
    expect(spec.given([scheduled, opened, closed]).when({ type: "CloseSale", now, forced: true })).toEqual({ events: [] });
  });

  it("never closes an always-on sale by schedule", () => {
    const alwaysOn: SaleEvent = { type: "EventScheduled", data: { ...def, closesAt: null } };
    expect(spec.given([alwaysOn, opened]).when({ type: "CloseSale", now: at("2099-01-01T00:00:00.000Z"), forced: false })).toEqual({ events: [] });
  });

  it("knows no unknown event", () => {
    expect(spec.given([]).when({ type: "OpenSale", now, forced: true })).toMatchObject({ error: { code: "NOT_FOUND" } });
  });
});
