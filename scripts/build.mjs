// `npm run build` (= `node scripts/build.mjs --all`): every workspace, in dependency order.
// `node scripts/build.mjs`: only the workspaces whose sources changed since their last build.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildChanged } from "./lib/build.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
buildChanged({ root, force: process.argv.includes("--all"), say: (line) => console.log(line) }).catch((err) => {
  console.error(err.message);
  process.exit(1);
});
