import { execFileSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import "./provided.js";

function dockerAnswers(): boolean {
  try {
    execFileSync("docker", ["info"], { stdio: "ignore", timeout: 3000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Tests run against real MariaDB/MySQL and Redis. Where a Docker engine answers, they get fresh
 * containers; otherwise the servers named by DATABASE_URL / REDIS_URL (default: the local ones).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { testEnv } = await import("./env.js");
  let databaseUrl = testEnv.databaseUrl;
  let redisUrl = testEnv.redisUrl;
  const stops: Array<() => Promise<unknown>> = [];
  if (!testEnv.noContainers && dockerAnswers()) {
    const { GenericContainer, Wait } = await import("testcontainers");
    const mysql = await new GenericContainer("mysql:8.4")
      .withEnvironment({ MYSQL_ALLOW_EMPTY_PASSWORD: "yes" })
      .withExposedPorts(3306)
      .withWaitStrategy(Wait.forLogMessage(/ready for connections.*port: 3306/))
      .start();
    const redis = await new GenericContainer("redis:7").withExposedPorts(6379).start();
    databaseUrl = `mysql://root@${mysql.getHost()}:${mysql.getMappedPort(3306)}/surge_test`;
    redisUrl = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
    stops.push(
      () => mysql.stop(),
      () => redis.stop(),
    );
  }
  project.provide("databaseUrl", databaseUrl);
  project.provide("redisUrl", redisUrl);
  return async () => {
    for (const stop of stops) await stop();
  };
}
