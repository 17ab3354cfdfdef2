import { describe, expect, it } from "vitest";
import { Hono } from "hono";
import { AppError } from "../errors.js";
import { problemResponse } from "./problem.js";
import { jsonResponse, jsonTextResponse, renderedText, toJsonText } from "./response-text.js";

describe("responses that keep their text", () => {
  const value = { id: "x1", n: 2, nested: { ok: true, none: null }, text: 'é " \n' };

  it("jsonResponse answers what c.json answers, and keeps that text", async () => {
    const app = new Hono();
    const kept: Array<string | undefined> = [];
    app.get("/ours", (c) => {
      const res = jsonResponse(c, value, 201);
      kept.push(renderedText(res));
      return res;
    });
    app.get("/hono", (c) => c.json(value, 201));
    const [ours, hono] = [await app.request("/ours"), await app.request("/hono")];
    expect(ours.status).toBe(201);
    expect(ours.headers.get("content-type")).toBe(hono.headers.get("content-type"));
    const text = await ours.text();
    expect(text).toBe(await hono.text());
    expect(kept).toEqual([text]);
  });

  it("jsonTextResponse answers a body serialized ahead, as is", async () => {
    const app = new Hono();
    const text = toJsonText(value);
    app.get("/", (c) => jsonTextResponse(c, text, 200));
    const res = await app.request("/");
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual(value);
  });

  it("problemResponse keeps its text; a response built elsewhere has none", async () => {
    const res = problemResponse(new AppError("SOLD_OUT", "Nothing left."));
    expect(renderedText(res)).toBe(await res.clone().text());
    expect(renderedText(new Response("{}"))).toBeUndefined();
  });
});
