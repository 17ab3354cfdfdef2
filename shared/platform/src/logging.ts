import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(name: string, level: string, pretty: boolean): Logger {
  return pino({
    name,
    level,
    ...(pretty ? { transport: { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss.l", ignore: "pid,hostname" } } } : {}),
  });
}
