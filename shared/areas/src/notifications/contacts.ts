import type { Db } from "@surge/platform/db/database";
import type {} from "./tables.js";

export type Language = "ko" | "en";

/** The first of ko or en in the client's preference order (q values honoured); English when it names neither. */
export function languageOf(acceptLanguage: string | undefined): Language {
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part, i) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { primary: tag.trim().toLowerCase().split("-")[0], q: q === undefined ? 1 : Number(q), i };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked.find((r) => r.primary === "ko" || r.primary === "en")?.primary === "ko" ? "ko" : "en";
}

export async function setContact(db: Db, userId: string, email: string, language: Language, now: Date) {
  await db
    .insertInto("user_contacts")
    .values({ user_id: userId, email, language, updated_at: now })
    .onDuplicateKeyUpdate({ email, language, updated_at: now })
    .execute();
  return { userId, email, language };
}

/** Erases the address, and the emails not yet sent to it: nothing is mailed after this. */
export async function deleteContact(db: Db, userId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("user_contacts").where("user_id", "=", userId).execute();
    await trx.deleteFrom("email_outbox").where("user_id", "=", userId).where("status", "=", "PENDING").execute();
  });
}
