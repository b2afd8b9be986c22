export * from "./db.js";
export * from "./turn.js";
export * from "./clamd.js";
export * from "./s3.js";
