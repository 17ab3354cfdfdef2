import { AppError } from "../errors.js";

export interface Decider<S, C, E> {
  initialState: () => S;
  evolve: (state: S, event: E) => S;
  decide: (state: S, command: C) => E[];
}

export type Outcome<E> = { events: E[] } | { error: { code: string; message: string } };

/**
 * given/when/then for deciders: `given` past events, `when` a command, and the outcome is either
 * the new events or the business error, so unit tests of rules need no I/O and no try/catch.
 */
export function specFor<S, C, E>(decider: Decider<S, C, E>) {
  return {
    given: (past: E[]) => ({
      when: (command: C): Outcome<E> => {
        try {
          return { events: decider.decide(past.reduce(decider.evolve, decider.initialState()), command) };
        } catch (err) {
          if (err instanceof AppError) return { error: { code: err.code, message: err.message } };
          throw err;
        }
      },
    }),
  };
}
