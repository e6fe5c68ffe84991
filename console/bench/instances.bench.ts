// Benchmark (not a test): the instance list with 1,000 servers. The
// servers list is answered with generated servers (the page under measure
// is the console's, not the compute API's); everything else is the live
// cloud's. Prints the times; docs/performance.md records them.
import { expect, test } from "@playwright/test";

const N = Number(process.env.STRATUS_BENCH_SERVERS ?? 1000);

function servers() {
  const statuses = ["ACTIVE", "ACTIVE", "ACTIVE", "SHUTOFF", "BUILD", "ERROR"];
  return Array.from({ length: N }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    name: `bench-${String(i).padStart(4, "0")}`,
    status: statuses[i % statuses.length],
    "OS-EXT-STS:task_state": null,
    addresses: { net: [{ addr: `10.${(i >> 8) & 255}.${i & 255}.10`, version: 4, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:00:00:00" }] },
    flavor: { id: "bench" },
    tenant_id: "bench",
    created: new Date(Date.now() - i * 60_000).toISOString(),
    updated: new Date(Date.now() - i * 30_000).toISOString(),
  }));
}

test("1,000 instances: first rows, search, scroll", async ({ page }) => {
  const all = servers();
  // Paged as Nova pages: `limit` and `marker`.
  await page.route("**/api/compute/v2.1/servers/detail*", (route) => {
    const url = new URL(route.request().url());
    const limit = Number(url.searchParams.get("limit") ?? 1000);
    const marker = url.searchParams.get("marker");
    const from = marker ? all.findIndex((s) => s.id === marker) + 1 : 0;
    return route.fulfill({ contentType: "application/json", body: JSON.stringify({ servers: all.slice(from, from + limit) }) });
  });
  await page.goto("/");
  await page.getByLabel("User name").fill("admin");
  await page.getByLabel("Password").fill(process.env.STRATUS_CONSOLE_ADMIN_PASSWORD ?? "");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();

  const runs: Record<string, number[]> = { "open the list (click → first row)": [], "search (type → 1 match)": [], "scroll to the end (→ last row)": [] };
  for (let r = 0; r < 5; r++) {
    await page.getByRole("navigation", { name: "Panels" }).getByRole("link", { name: "Overview", exact: true }).click();
    let t = Date.now();
    await page.getByRole("navigation", { name: "Panels" }).getByRole("link", { name: "Instances", exact: true }).click();
    await expect(page.getByText(`${N}`, { exact: true })).toBeVisible();
    await expect(page.getByRole("link", { name: "bench-0000" })).toBeVisible();
    runs["open the list (click → first row)"].push(Date.now() - t);
    t = Date.now();
    await page.getByRole("searchbox").fill("bench-0777");
    await expect(page.getByText(`1 of ${N}`)).toBeVisible();
    runs["search (type → 1 match)"].push(Date.now() - t);
    await page.getByRole("searchbox").fill("");
    t = Date.now();
    await page.locator(".table-scroll.virtual").evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect(page.getByRole("link", { name: `bench-${String(N - 1).padStart(4, "0")}` })).toBeVisible();
    runs["scroll to the end (→ last row)"].push(Date.now() - t);
  }
  const rows = await page.locator("tbody tr").count();
  for (const [what, ms] of Object.entries(runs)) {
    const sorted = [...ms].sort((a, b) => a - b);
    console.log(`${what}: median ${sorted[2]} ms, max ${sorted[4]} ms (5 runs)`);
  }
  console.log(`rows in the DOM with ${N} servers: ${rows}`);
});
