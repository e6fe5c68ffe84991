import base from "./playwright.config";
import { defineConfig } from "@playwright/test";

// `npx playwright test --config bench.config.ts`: the console's benchmarks.
export default defineConfig({ ...base, testDir: "bench", testMatch: "*.bench.ts", reporter: [["list"]] });
