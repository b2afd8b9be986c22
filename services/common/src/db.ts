import pg from "pg";

export type Db = pg.Pool;
/** A pool or a client inside a transaction: store methods accept either. */
export type Queryable = pg.Pool | pg.PoolClient;

// bigint columns (seq) fit comfortably in a JS number; parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

/**
 * Getting a connection (a new one, or a free one from a busy pool) fails after 5 s instead of
 * waiting as long as TCP does for a database that is down or black-holed: requests get an error
 * and readiness a 503, never a hang. TCP keepalive notices a peer that vanished mid-connection.
 */
const CONNECT_TIMEOUT_MS = 5000;

export function createPool(connectionString: string, max = 10): Db {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
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
