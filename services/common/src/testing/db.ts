import { randomBytes } from "node:crypto";
import pg from "pg";
import { createPool } from "../db.js";
import { runMigrations } from "../migrate.js";

/** Server used for throw-away test databases; CI and dev machines run one on 127.0.0.1. */
export const TEST_PG_ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file, dropped afterwards (`empty`: not migrated, a restore target). */
export async function createTestDatabase(opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  if (!opts.empty) {
    const db = createPool(url.toString(), 1);
    await runMigrations(db);
    await db.end();
  }
  return {
    url: url.toString(),
    name,
    async drop() {
      const a = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
