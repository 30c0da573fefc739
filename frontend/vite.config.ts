/// <reference types="vitest/config" />
// Vite build of the single-page app; Django (whitenoise) serves dist/ at the site root.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const backend = process.env.MASKFLOW_BACKEND ?? "http://127.0.0.1:8000";

export default defineConfig({
  base: "/",
  plugins: [react()],
  build: { outDir: "dist", sourcemap: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      "/api": backend,
      "/media": backend,
      "/ws": { target: backend.replace(/^http/, "ws"), ws: true },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
