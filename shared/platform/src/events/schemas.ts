import { z } from "zod";

export const instant = z.iso.datetime({ offset: true });
/** Money is whole won, never negative, never a float. */
export const won = z.number().int().min(0).max(100_000_000_000);
