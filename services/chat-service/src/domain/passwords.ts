import { hash, verify } from "@node-rs/argon2";

// @node-rs/argon2's Algorithm is a const enum (not usable under isolatedModules): 2 = Argon2id.
const ARGON2ID = 2;
// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
const ARGON = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON);

// Verifying against a real hash when there is no account keeps both paths equally slow.
let dummy: Promise<string> | undefined;

/** Whether `password` matches `passwordHash`; with no hash (no such account) it takes as long and says no. */
export async function verifyPassword(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  dummy ??= hashPassword("not-a-real-password");
  const ok = await verify(passwordHash ?? (await dummy), password).catch(() => false);
  return ok && !!passwordHash;
}
