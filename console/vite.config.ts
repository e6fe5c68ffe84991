/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The dev server proxies the console's own endpoints to a running
// stratus-console (STRATUS_CONSOLE_URL, default :8080).
const consoleUrl = process.env.STRATUS_CONSOLE_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    // No inline scripts or styles: the CSP allows 'self' only.
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { "/api": consoleUrl, "/auth": consoleUrl, "/events": consoleUrl },
  },
  test: {
    environment: "jsdom",
    include: ["test/unit/**/*.test.{ts,tsx}"],
  },
});
