import { createHmac } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "@surge/testkit/child-app";
import { rewriteChainFrom } from "@surge/testkit/chain-rewrite";
import { createTestContext, type TestContext } from "@surge/testkit/context";
import { rawEvent, uncheckedType } from "@surge/testkit/raw-event";

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  const at = new Date().toISOString();
  for (let i = 0; i < 20; i++)
    await ctx.store.append(`thing-${i % 3}`, "any", [rawEvent(uncheckedType("ThingHappened"), { n: i }, { at, correlationId: "c", userId: "u" })]);
});
afterAll(async () => {
  await ctx?.close();
});

/** The real CLI, as `npm run audit` runs it, against this file's database (or another context's). */
const audit = (...args: string[]) => auditIn(ctx, {}, ...args);
const auditIn = (on: TestContext, env: Record<string, string>, ...args: string[]) => runCli("batch/src/audit/cli.ts", args, { ...on.appEnv, ...env });

describe("npm run audit", () => {
  it("verify passes on an intact log and names the event whose data changed by one byte", async () => {
    const ok = await audit("verify");
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("OK: 20 events");

    await sql`UPDATE events SET data = '{"n":9}' WHERE position = 9`.execute(ctx.db);
    const bad = await audit("verify");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("event at position 9 is altered");
  });

  it("stream prints a stream's history in order", async () => {
    const res = await audit("stream", "thing-1");
    expect(res.code).toBe(0);
    const lines = res.out.trim().split("\n");
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/^#2 v1 .* ThingHappened \{"n":1\}/);
    expect((await audit("stream", "thing-none")).code).toBe(1);
  });
});

const meta = () => ({ correlationId: "c", causationId: null, userId: "u", occurredAt: new Date().toISOString() });

describe("npm run audit -- verify on a live system", () => {
  let live: TestContext;
  beforeAll(async () => {
    live = await createTestContext();
    // Enough events that the walk takes a while; every tenth order of a sale carries its tag.
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        live.store.appendMulti(
          Array.from({ length: 25 }, (_, s) => ({
            streamId: `thing-${i}-${s}`,
            expected: "no_stream" as const,
            events: [
              { eventType: uncheckedType("ThingPlaced"), data: { i, s }, metadata: meta(), ...(s % 10 === 0 ? { tag: "event:e1" } : {}) },
              { eventType: uncheckedType("ThingPaid"), data: {}, metadata: meta() },
            ],
          })),
        ),
      ),
    );
  });
  afterAll(async () => {
    await live?.close();
  });

  it("verifies up to the head at its start while appends commit, and reports no tampering", async () => {
    let writing = true;
    let n = 0;
    const writers = Array.from({ length: 3 }, async (_, w) => {
      while (writing) await live.store.append(`thing-w${w}-${n++ % 5}`, "any", [{ eventType: uncheckedType("ThingHappened"), data: { n }, metadata: meta() }]);
    });
    const headBefore = await live.store.headPosition();
    let res: Awaited<ReturnType<typeof auditIn>>;
    try {
      res = await auditIn(live, {}, "verify");
    } finally {
      writing = false;
      await Promise.all(writers);
    }
    expect(res.err).not.toContain("TAMPERED");
    expect(res.code).toBe(0);
    const [, checked, upTo] = /OK: (\d+) events, chain intact up to position (\d+)/.exec(res.out) ?? [];
    expect(Number(checked)).toBe(Number(upTo));
    expect(Number(upTo)).toBeGreaterThan(headBefore);
    expect(await live.store.headPosition()).toBeGreaterThan(Number(upTo));
  });

  it("names an event whose tag was removed (an order so changed would drop out of the stock-guard rebuild)", async () => {
    const tagged = await live.db
      .selectFrom("events")
      .select("position")
      .where("tag", "=", "event:e1")
      .orderBy("position")
      .offset(30)
      .limit(1)
      .executeTakeFirstOrThrow();
    await sql`UPDATE events SET tag = NULL WHERE position = ${tagged.position}`.execute(live.db);
    const res = await auditIn(live, {}, "verify");
    expect(res.code).toBe(1);
    expect(res.err).toContain(`TAMPERED: event at position ${tagged.position} is altered`);
  });
});

describe("npm run audit -- checkpoint, and verify --checkpoints", () => {
  const secret = "audit-checkpoint-secret-0123456789abcdef";
  const withSecret = { AUDIT_CHECKPOINT_SECRET: secret };
  let cp: TestContext;
  let dir: string;
  let file: string;
  const lines = async (path: string) => (await readFile(path, "utf8")).trim().split("\n");
  const appendThings = async (count: number) => {
    for (let i = 0; i < count; i++)
      await cp.store.append(`acct-${i % 3}`, "any", [{ eventType: uncheckedType("ThingHappened"), data: { i }, metadata: meta() }]);
  };
  beforeAll(async () => {
    cp = await createTestContext();
    dir = await mkdtemp(join(tmpdir(), "surge-audit-"));
    file = join(dir, "checkpoints.jsonl");
    await appendThings(20);
  });
  afterAll(async () => {
    await cp?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("needs the secret", async () => {
    const res = await auditIn(cp, {}, "checkpoint", "--file", file);
    expect(res.code).toBe(2);
    expect(res.err).toContain("AUDIT_CHECKPOINT_SECRET must be set");
  });

  it("appends a signed line per checkpoint, verifying only what is new since the last", async () => {
    const first = await auditIn(cp, withSecret, "checkpoint", "--file", file);
    expect(first.code).toBe(0);
    expect(first.out).toContain("checkpoint: position 20");
    await appendThings(10);
    const second = await auditIn(cp, withSecret, "checkpoint", "--file", file);
    expect(second.code).toBe(0);
    expect(second.out).toContain("checkpoint: position 30");
    expect(second.out).toContain("(10 new events verified)");
    const written = (await lines(file)).map((l) => JSON.parse(l) as { position: number; hash: string; at: string; sig: string });
    expect(written.map((c) => c.position)).toEqual([20, 30]);
    const head = await cp.db.selectFrom("event_sequence").select("last_hash").executeTakeFirstOrThrow();
    expect(written[1]!.hash).toBe(head.last_hash);

    const ok = await auditIn(cp, withSecret, "verify", "--checkpoints", file);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("OK: 30 events, chain intact up to position 30, matches 2 signed checkpoint(s)");
  });

  it("POSTs a checkpoint whose signature a receiver can check with the secret", async () => {
    const received: string[] = [];
    let status = 201;
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push(body);
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/checkpoints`;
    try {
      const res = await auditIn(cp, { ...withSecret, AUDIT_CHECKPOINT_URL: url }, "checkpoint");
      expect(res.code).toBe(0);
      const c = JSON.parse(received[0]!) as { position: number; hash: string; at: string; sig: string };
      expect(c.position).toBe(30);
      expect(c.sig).toBe(createHmac("sha256", secret).update(`surge-audit-checkpoint-v1\n${c.position}\n${c.hash}\n${c.at}`).digest("hex"));
      status = 500;
      const refused = await auditIn(cp, withSecret, "checkpoint", "--url", url);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain("answered 500");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("reports a checkpoint line that was forged or signed with another key", async () => {
    const [good] = await lines(file);
    const forged = { ...(JSON.parse(good!) as object), position: 25 };
    const otherKey = JSON.parse(good!) as { position: number; hash: string; at: string };
    const foreign = {
      ...otherKey,
      sig: createHmac("sha256", "another-secret-of-32-characters!!")
        .update(`surge-audit-checkpoint-v1\n${otherKey.position}\n${otherKey.hash}\n${otherKey.at}`)
        .digest("hex"),
    };
    const path = join(dir, "forged.jsonl");
    await writeFile(path, [good, JSON.stringify(forged), JSON.stringify(foreign), "{not json"].join("\n") + "\n");
    const res = await auditIn(cp, withSecret, "verify", "--checkpoints", path);
    expect(res.code).toBe(1);
    expect(res.err).toContain("FORGED: checkpoint file line 2: bad signature");
    expect(res.err).toContain("FORGED: checkpoint file line 3: bad signature");
    expect(res.err).toContain("FORGED: checkpoint file line 4: unreadable");
    // The chain itself is fine, and the one good line still agrees with it.
    expect(res.out).toContain("OK: 30 events, chain intact up to position 30, matches 1 signed checkpoint(s)");
  });

  it("exposes a rewrite of the whole chain that verifies on its own, and refuses to sign it", async () => {
    await sql`UPDATE events SET data = '{"i":999}' WHERE position = 5`.execute(cp.db);
    await rewriteChainFrom(cp.db, 5);

    const alone = await auditIn(cp, {}, "verify");
    expect(alone.code).toBe(0);
    expect(alone.out).toContain("OK: 30 events");

    const anchored = await auditIn(cp, withSecret, "verify", "--checkpoints", file);
    expect(anchored.code).toBe(1);
    expect(anchored.err).toContain("REWRITTEN: the chain at position 20 does not match the checkpoint signed at");
    expect(anchored.err).toContain("at or before position 20 was changed");

    const refused = await auditIn(cp, withSecret, "checkpoint", "--file", file);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("no checkpoint written");
    expect(await lines(file)).toHaveLength(2);
  });
});
