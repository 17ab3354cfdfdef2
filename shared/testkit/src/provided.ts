/** What the global setup hands every test file: where the test MariaDB/MySQL and Redis are. */
declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}
export {};
