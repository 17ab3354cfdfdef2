import { createTestContext } from "./context.js";
import { useStarted } from "./fixture.js";
import { startKafkaMock, type KafkaMockBuild } from "./kafka-mock.js";

/** The file's own test context and a mock cluster (3 partitions), for the whole file (see useStarted); nothing starts without a build. */
export const useKafkaMock = (build: KafkaMockBuild) =>
  useStarted(["ctx", "kafka"], async (atEnd) => {
    if (!build.binary) return null;
    const ctx = await createTestContext();
    atEnd(() => ctx.close());
    const kafka = await startKafkaMock(build.binary, { partitions: 3 });
    atEnd(() => kafka.stop());
    return { ctx, kafka };
  });
