import react from "@vitejs/plugin-react";
import { defaultClientConditions, defineConfig } from "vite";

// One origin for the browser: media uploads/downloads go to media-service, everything else
// under /api and the socket.io websocket to chat-service. Targets come from the environment.
const chat = process.env.CHAT_URL ?? "http://127.0.0.1:4000";
const media = process.env.MEDIA_URL ?? "http://127.0.0.1:4001";

export default defineConfig({
  plugins: [react()],
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
      output: {
        // Libraries change far less often than the app: separate chunks stay cached across deploys.
        manualChunks(id) {
          if (!id.includes("node_modules")) return undefined;
          // Loaded on demand (the emoji picker, code highlighting): left in their own lazy chunks.
          if (/[\\/]node_modules[\\/](emoji-mart|@emoji-mart|highlight\.js)[\\/]/.test(id)) return undefined;
          if (/[\\/]node_modules[\\/](react|react-dom|scheduler)[\\/]/.test(id)) return "react";
          return "vendor";
        },
      },
    },
  },
});
