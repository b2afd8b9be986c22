export * from "./db.js";
export * from "./turn.js";
