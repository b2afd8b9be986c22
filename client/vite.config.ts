import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defaultClientConditions, defineConfig, type Plugin } from "vite";

/**
 * The service worker (src/sw/sw.ts) is built as /sw.js beside index.html (a worker's URL must not change
 * between deploys), and learns the files of this build to keep as the app shell: their names are
 * written into it here, with a version that changes whenever any of them does.
 */
function serviceWorkerPlugin(): Plugin {
  return {
    name: "messenger-service-worker",
    generateBundle(_options, bundle) {
      const sw = bundle["sw.js"];
      if (sw?.type !== "chunk") return;
      const files = Object.keys(bundle)
        .filter((f) => f !== "sw.js" && !f.endsWith(".map") && f !== "index.html")
        .sort()
        .map((f) => `/${f}`);
      const version = createHash("sha256");
      for (const f of Object.keys(bundle).sort()) {
        const item = bundle[f]!;
        if (f !== "sw.js") version.update(f).update(item.type === "chunk" ? item.code : item.source);
      }
      sw.code = sw.code
        .replaceAll("__SHELL_FILES__", JSON.stringify(files))
        .replaceAll("__SHELL_VERSION__", JSON.stringify(version.digest("hex").slice(0, 12)));
    },
  };
}

// One origin for the browser: media uploads/downloads go to media-service, everything else
// under /api and the socket.io websocket to chat-service. Targets come from the environment.
const chat = process.env.CHAT_URL ?? "http://127.0.0.1:4000";
const media = process.env.MEDIA_URL ?? "http://127.0.0.1:4001";

export default defineConfig({
  plugins: [react(), serviceWorkerPlugin()],
  // Workspace packages are consumed from their TypeScript sources (the `source` export condition).
  resolve: {
    conditions: ["source", ...defaultClientConditions],
    // simple-peer → streamx → events-universal requires node's "events", which Vite leaves empty in
    // the browser; bare-events is the pure-JS EventEmitter that package itself uses outside node.
    alias: { events: "bare-events" },
  },
  server: {
    port: Number(process.env.PORT ?? 5173),
    proxy: {
      "/api/media": { target: media, changeOrigin: true },
      "/api": { target: chat, changeOrigin: true },
      "/socket.io": { target: chat, ws: true, changeOrigin: true },
    },
  },
  build: {
    outDir: process.env.CLIENT_OUT_DIR ?? "dist",
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL("./index.html", import.meta.url)),
        sw: fileURLToPath(new URL("./src/sw/sw.ts", import.meta.url)),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js"),
        // Libraries change far less often than the app: separate chunks stay cached across deploys.
        manualChunks(id) {
          if (!id.includes("node_modules")) return undefined;
          if (/[\\/]node_modules[\\/](react|react-dom|scheduler)[\\/]/.test(id)) return "react";
          return "vendor";
        },
      },
    },
  },
});
