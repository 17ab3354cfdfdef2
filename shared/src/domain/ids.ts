import { v7 as uuidv7 } from "uuid";

export const newId = (): string => uuidv7();

export const userIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
