import { defineConfig } from "@playwright/test";

// Runs against a live cloud's console (STRATUS_CONSOLE_URL), in Debian's
// Chromium (Playwright downloads no browser here).
export default defineConfig({
  testDir: "test/e2e",
  timeout: 300_000,
  expect: { timeout: 30_000 },
  workers: 1,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: process.env.STRATUS_CONSOLE_URL ?? "http://127.0.0.1:8080",
    launchOptions: {
      executablePath: process.env.STRATUS_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu"],
    },
    screenshot: "only-on-failure",
    trace: "off",
  },
});
