// The admin's panels: hypervisors with capacity bars, and a compute host
// disabled and enabled again.
import { expect, test } from "@playwright/test";
import { ADMIN_PASSWORD, check, login, nav, watchErrors } from "./helpers";

test("an admin sees the hosts and can disable one", async ({ page }) => {
  const errors = watchErrors(page);
  await login(page, "admin", ADMIN_PASSWORD);
  await nav(page, "Hypervisors");
  const host = page.getByRole("article").first();
  await expect(host.getByRole("meter", { name: "vCPUs" })).toBeVisible();
  await expect(host.getByRole("meter", { name: "RAM" })).toBeVisible();
  await expect(host.getByRole("meter", { name: "Disk" })).toBeVisible();
  await check(page, "admin-hypervisors");

  await nav(page, "Compute services");
  const disable = page.getByRole("button", { name: /^Disable / }).first();
  await expect(disable).toBeVisible();
  const name = (await disable.textContent())!.replace("Disable ", "");
  await disable.click();
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("disabled from the console");
  await check(page, "admin-services");
  await row.getByRole("button", { name: `Enable ${name}` }).click();
  await expect(row.getByRole("button", { name: `Disable ${name}` })).toBeVisible();
  await expect(row).not.toContainText("disabled from the console");

  // Every kind of agent on this host is heard and alive.
  await nav(page, "Agents");
  const agents = page.getByRole("table", { name: "Agents" });
  for (const kind of ["compute", "network", "storage"]) {
    await expect(agents.getByRole("row").filter({ hasText: new RegExp(`^${kind}`) }).first()).toContainText("up", { timeout: 60_000 });
  }
  await check(page, "admin-agents");
  expect(errors).toEqual([]);
});
