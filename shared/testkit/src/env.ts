/** The only place test support reads process.env: where the test MariaDB and Redis are. */
export const testEnv = {
  databaseUrl: process.env.DATABASE_URL ?? "mysql://root@127.0.0.1:3306/surge_test",
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  jwtSecret: process.env.JWT_SECRET ?? "test-secret-0123456789abcdef",
  /** Extra env for child processes (the real apps started by e2e tests). */
  /** Apps under test log at this level (TEST_LOG_LEVEL=warn to see their warnings). */
  logLevel: process.env.TEST_LOG_LEVEL ?? "fatal",
  noContainers: process.env.SURGE_TEST_NO_CONTAINERS === "1",
  inherited: (): Record<string, string | undefined> => ({ ...process.env }),
};
