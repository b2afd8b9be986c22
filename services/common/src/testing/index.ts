export * from "./chromium.js";
export * from "./clamd.js";
export * from "./db.js";
export { minimalPdf } from "./pdf.js";
export * from "./poll.js";
export * from "./s3.js";
export * from "./turn.js";
export * from "./turn-client.js";
