export * from "./events.js";
export * from "./models.js";
export * from "./rest.js";
