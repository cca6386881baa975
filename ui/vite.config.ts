import react from "@vitejs/plugin-react";
import { loadEnv } from "vite";
import { defineConfig } from "vitest/config";

// One build serves both hosts: the Tauri window loads ui/dist from the custom protocol, and
// `trailview serve` hands the same files to a browser next to its /api routes.
export default defineConfig(({ mode }) => {
  // `TRAILVIEW_API_URL=http://127.0.0.1:PORT npm run dev` sends /api/... to a running
  // `trailview serve`, so the dev server behaves like the real same-origin setup.
  const api = loadEnv(mode, ".", "TRAILVIEW_").TRAILVIEW_API_URL;
  return {
    plugins: [react()],
    server: {
      port: 1420,
      strictPort: true,
      ...(api ? { proxy: { "/api": { target: api, changeOrigin: true } } } : {}),
    },
    clearScreen: false,
    build: {
      outDir: "dist",
      emptyOutDir: true,
      // Keep source maps out of the embedded binary; the UI is small and readable as built.
      sourcemap: false,
    },
    test: {
      include: ["src/**/*.test.ts"],
      environment: "node",
    },
  };
});
