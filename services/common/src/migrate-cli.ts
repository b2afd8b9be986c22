// `npm run migrate`: applies the schema to DATABASE_URL.
import { createPool } from "./db.js";
import { runMigrations } from "./migrate.js";

const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/messenger";
const db = createPool(url, 1);
try {
  const applied = await runMigrations(db);
  console.log(applied.length ? `applied ${applied.join(", ")}` : "schema up to date");
} finally {
  await db.end();
}
