export * from "./channels.js";
export * from "./events.js";
export * from "./models.js";
export * from "./people.js";
export * from "./push.js";
export * from "./rest.js";
export * from "./rich.js";
export * from "./text.js";
