import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

interface Service {
  ports?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  command?: string[];
}
const compose = parse(readFileSync(new URL("../../../../docker-compose.yml", import.meta.url), "utf8"), { merge: true }) as {
  services: Record<string, Service>;
};
const { services } = compose;
const apps = { "command-api": 3000, "query-api": 3001, projector: 3003, batch: 3004, relay: 3005 } as const;

describe("docker-compose.yml is safe by default", () => {
  it("publishes no port of MySQL, Redis or Kafka", () => {
    for (const name of ["mysql", "redis", "kafka"]) expect(services[name]?.ports, name).toBeUndefined();
  });

  it("runs every app in production with required secrets, never a published default", () => {
    for (const name of Object.keys(apps)) {
      const env = services[name]!.environment!;
      expect(env.NODE_ENV, name).toBe("production");
      expect(env.JWT_SECRET, name).toMatch(/^\$\{JWT_SECRET:\?.+\}$/);
      expect(env.PG_WEBHOOK_SECRET, name).toMatch(/^\$\{PG_WEBHOOK_SECRET:\?.+\}$/);
    }
  });

  it("gives command-api its IDEMPOTENCY_SECRET as a required variable", () => {
    expect(services["command-api"]!.environment!.IDEMPOTENCY_SECRET).toMatch(/^\$\{IDEMPOTENCY_SECRET:\?.+\}$/);
  });

  it("runs the card gateway simulator and wires the apps to it and it back to command-api", () => {
    const sim = services["pg-simulator"]!;
    expect(sim.environment!.PG_SIMULATOR_PORT).toBe("3002");
    expect(sim.environment!.PG_WEBHOOK_SECRET).toBe(services["command-api"]!.environment!.PG_WEBHOOK_SECRET);
    expect(services["command-api"]!.environment!.PG_BASE_URL).toContain("http://pg-simulator:3002");
    expect(services["batch"]!.environment!.PG_BASE_URL).toContain("http://pg-simulator:3002");
    expect(services["command-api"]!.environment!.PG_CALLBACK_URL).toBe("http://command-api:3000/pg/callback");
  });

  it("checks every app's /ready", () => {
    for (const [name, port] of Object.entries(apps)) expect(services[name]!.healthcheck!.test.join(" "), name).toContain(`http://127.0.0.1:${port}/ready`);
  });
});
