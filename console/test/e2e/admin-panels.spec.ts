// The admin panels: every one renders (screenshot, axe), and the main
// actions work: a private flavor given to a project, a project and user
// with a role granted and revoked, a quota changed, a past period closed.
import { expect, test } from "@playwright/test";
import { ADMIN_PASSWORD, FLAVOR, RUN, check, login, nav, watchErrors } from "./helpers";

test("an admin manages flavors, identity, quotas and billing", async ({ page }) => {
  const errors = watchErrors(page);
  await login(page, "admin", ADMIN_PASSWORD);

  // A project and a user in it, with the member role.
  await nav(page, "Projects");
  await page.getByLabel("Project name").fill(`${RUN}-acme`);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("row", { name: new RegExp(`${RUN}-acme`) })).toBeVisible();
  await check(page, "admin-projects");
  await nav(page, "Users");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByText("At least 8 characters.")).toBeVisible();
  await page.getByLabel("User name").fill(`${RUN}-ann`);
  await page.getByLabel("Password").fill(`${RUN}-password`);
  await page.getByLabel("Default project").selectOption({ label: `${RUN}-acme` });
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("row", { name: new RegExp(`${RUN}-ann`) })).toContainText(`${RUN}-acme`);
  await check(page, "admin-users");
  await nav(page, "Role assignments");
  const grant = page.getByRole("form", { name: "Grant a role" });
  await grant.getByLabel("User").selectOption({ label: `${RUN}-ann` });
  await grant.getByLabel("Project").selectOption({ label: `${RUN}-acme` });
  await grant.getByLabel("Role").selectOption({ label: "member" });
  await grant.getByRole("button", { name: "Grant" }).click();
  const revoke = page.getByRole("button", { name: `Revoke member from ${RUN}-ann on ${RUN}-acme` });
  await expect(revoke).toBeVisible();
  await check(page, "admin-role-assignments");
  await revoke.click();
  await expect(revoke).toHaveCount(0);
  await nav(page, "Groups");
  await check(page, "admin-groups");

  // A private flavor, usable by the new project only.
  await nav(page, "Flavors");
  await page.getByLabel("Flavor name").fill(`${RUN}.small`);
  await page.getByLabel("vCPUs").fill("0");
  await page.getByRole("button", { name: "Create flavor" }).click();
  await expect(page.getByText("A whole number, at least 1.")).toBeVisible();
  await page.getByLabel("vCPUs").fill("1");
  await page.getByLabel("Public").uncheck();
  await page.getByRole("button", { name: "Create flavor" }).click();
  const flavorRow = page.getByRole("row", { name: new RegExp(`${RUN}\\.small`) });
  await expect(flavorRow).toContainText("no");
  await flavorRow.getByRole("button", { name: `Access to ${RUN}.small` }).click();
  const access = page.getByRole("article", { name: `Access to ${RUN}.small` });
  await access.getByLabel("Give access to").selectOption({ label: `${RUN}-acme` });
  await access.getByRole("button", { name: "Add" }).click();
  await expect(access.getByRole("listitem")).toContainText(`${RUN}-acme`);
  await check(page, "admin-flavors");
  await flavorRow.getByRole("button", { name: `Delete flavor ${RUN}.small` }).click();
  await expect(flavorRow).toHaveCount(0);

  // The project's compute quota, changed; a bad value refused first.
  await nav(page, "Quotas");
  await page.locator("#main").getByLabel("Project", { exact: true }).selectOption({ label: `${RUN}-acme` });
  const computeQuota = page.getByRole("form", { name: "compute quota" });
  await expect(computeQuota.getByLabel("instances")).not.toHaveValue("");
  await computeQuota.getByLabel("instances").fill("-5");
  await computeQuota.getByRole("button", { name: "Save compute quota" }).click();
  await expect(computeQuota.getByText("instances: a whole number, or -1 for no limit.")).toBeVisible();
  await computeQuota.getByLabel("instances").fill("7");
  await computeQuota.getByRole("button", { name: "Save compute quota" }).click();
  await page.reload();
  await page.locator("#main").getByLabel("Project", { exact: true }).selectOption({ label: `${RUN}-acme` });
  await expect(page.getByRole("form", { name: "compute quota" }).getByLabel("instances")).toHaveValue("7");
  await check(page, "admin-quotas");

  // Billing: a rate card (a bad price refused beside its field), invoices;
  // closing a long-past period invoices nobody.
  await nav(page, "Billing");
  await page.getByText("New rate card").click();
  const cardForm = page.getByRole("form", { name: "New rate card" });
  await cardForm.getByLabel("Per vCPU-hour (flavors not listed)").fill("1.5");
  await expect(cardForm.getByText("a whole number of minor units")).toBeVisible();
  await expect(cardForm.getByRole("button", { name: "Create rate card" })).toBeDisabled();
  await cardForm.getByLabel("Per vCPU-hour (flavors not listed)").fill("2");
  await cardForm.getByLabel("Per floating IP hour").fill("1");
  await cardForm.getByLabel(`Flavor ${FLAVOR}`).fill("5");
  await cardForm.getByRole("button", { name: "Create rate card" }).click();
  await expect(cardForm.getByRole("status")).toContainText("created");
  await expect(page.getByRole("region", { name: "Rate cards" })).toContainText(`${FLAVOR} 5/h`);
  await page.getByLabel("Period start").fill("2020-01-01T00:00:00Z");
  await page.getByLabel("Period end").fill("2020-02-01T00:00:00Z");
  await page.getByRole("button", { name: "Close period" }).click();
  await expect(page.getByRole("status").filter({ hasText: "invoices closed" })).toContainText("0 invoices closed");
  await check(page, "admin-billing");

  // The all-projects views.
  for (const panel of ["All instances", "All volumes", "All networks"]) {
    await nav(page, panel);
    await expect(page.getByRole("heading", { name: panel })).toBeVisible();
    await check(page, `admin-${panel.toLowerCase().replace(" ", "-")}`);
  }

  // Clean up the user and project through the panels.
  await nav(page, "Users");
  await page.getByRole("button", { name: `Delete user ${RUN}-ann` }).click();
  await expect(page.getByRole("row", { name: new RegExp(`${RUN}-ann`) })).toHaveCount(0);
  await nav(page, "Projects");
  await page.getByRole("button", { name: `Disable project ${RUN}-acme` }).click();
  await page.getByRole("button", { name: `Delete project ${RUN}-acme` }).click();
  await expect(page.getByRole("row", { name: new RegExp(`${RUN}-acme`) })).toHaveCount(0);
  expect(errors).toEqual([]);
});
