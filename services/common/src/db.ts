import pg from "pg";

export type Db = pg.Pool;
/** A pool or a client inside a transaction: store methods accept either. */
export type Queryable = pg.Pool | pg.PoolClient;

// bigint columns (seq) fit comfortably in a JS number; parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export function createPool(connectionString: string, max = 10): Db {
  const pool = new pg.Pool({ connectionString, max });
  // An idle client losing its connection must not crash the process.
  pool.on("error", () => {});
  return pool;
}

/** Runs `fn` in a transaction; commits on success, rolls back on any throw. */
export async function withTransaction<T>(db: Db, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
