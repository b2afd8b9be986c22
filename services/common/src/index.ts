export * from "./attachments.js";
export * from "./db.js";
export * from "./errors.js";
export * from "./http.js";
export * from "./migrate.js";
export * from "./secrets.js";
export * from "./sessions.js";
export * from "./tokens.js";
