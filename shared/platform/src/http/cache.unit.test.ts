import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { etagMatches, publicCache } from "./cache.js";
import { corsFor } from "./cors.js";

function app() {
  const a = new Hono();
  a.use(publicCache(3));
  a.get("/thing", (c) => c.json({ n: Number(c.req.query("n") ?? 1) }));
  a.get("/text", (c) => c.text("plain"));
  a.get("/missing", (c) => c.json({ code: "NOT_FOUND" }, 404));
  return a;
}

describe("publicCache", () => {
  it("tags a JSON answer, answers 304 to its tag, and a new tag when the body changes", async () => {
    const a = app();
    const first = await a.request("/thing");
    const tag = first.headers.get("etag")!;
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ n: 1 });
    expect(first.headers.get("cache-control")).toBe("public, max-age=3");
    expect(first.headers.get("content-type")).toMatch(/^application\/json/);

    const again = await a.request("/thing", { headers: { "If-None-Match": tag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(again.headers.get("etag")).toBe(tag);
    expect(again.headers.get("content-type")).toBeNull();

    const other = await a.request("/thing?n=2", { headers: { "If-None-Match": tag } });
    expect(other.status).toBe(200);
    expect(other.headers.get("etag")).not.toBe(tag);
  });

  it("leaves errors, other content and other methods alone", async () => {
    const a = app();
    for (const path of ["/missing", "/text"]) {
      const res = await a.request(path);
      expect(res.headers.get("etag"), path).toBeNull();
      expect(res.headers.get("cache-control"), path).toBeNull();
    }
    expect((await a.request("/thing", { method: "POST" })).headers.get("etag")).toBeNull();
  });

  it("matches If-None-Match lists, weak tags and *", () => {
    expect(etagMatches('"a"', '"a"')).toBe(true);
    expect(etagMatches('W/"a"', '"a"')).toBe(true);
    expect(etagMatches('"b", W/"a"', '"a"')).toBe(true);
    expect(etagMatches("*", '"a"')).toBe(true);
    expect(etagMatches('"b"', '"a"')).toBe(false);
    expect(etagMatches(undefined, '"a"')).toBe(false);
  });
});

describe("corsFor", () => {
  const withCors = () => {
    const a = new Hono();
    a.use(corsFor(["https://shop.example.com"])!);
    a.get("/thing", (c) => c.json({}));
    return a;
  };
  const accessHeaders = (res: Response) => [...res.headers.keys()].filter((k) => k.startsWith("access-control-"));

  it("answers a listed origin's preflight and requests; another origin gets no Access-Control-* header", async () => {
    const a = withCors();
    const preflight = await a.request("/thing", { method: "OPTIONS", headers: { Origin: "https://shop.example.com", "Access-Control-Request-Method": "GET" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
    expect((await a.request("/thing", { headers: { Origin: "https://shop.example.com" } })).headers.get("access-control-allow-origin")).toBe(
      "https://shop.example.com",
    );

    const other = await a.request("/thing", { method: "OPTIONS", headers: { Origin: "https://other.example.com", "Access-Control-Request-Method": "GET" } });
    expect(other.status).toBe(404);
    expect(accessHeaders(other)).toEqual([]);
    expect(accessHeaders(await a.request("/thing", { headers: { Origin: "https://other.example.com" } }))).toEqual([]);
  });

  it("is no middleware at all without origins", () => {
    expect(corsFor([])).toBeNull();
  });
});
