// A project member's day in the console: log in; make a network and
// subnet; launch an instance from the test guest and watch it become
// ACTIVE without reloading; read its console log; find the admin panels
// closed; delete everything; log out.
import { expect, test } from "@playwright/test";
import { FLAVOR, IMAGE, RUN, check, login, makeMember, nav, removeMember, watchErrors } from "./helpers";

test("a member builds, boots and tears down in the console", async ({ page, request }) => {
  const member = await makeMember(request);
  const errors = watchErrors(page);
  try {
    await login(page, member.user, member.password);
    await expect(page.getByRole("heading", { name: `Overview of ${RUN}-project` })).toBeVisible();
    await expect(page.getByRole("meter", { name: "Instances" })).toBeVisible();
    await check(page, "overview");

    // Admin panels: not in the menu, refused at their address.
    await expect(page.getByRole("navigation").getByText("Admin")).toHaveCount(0);
    await page.goto("/admin/hypervisors");
    await expect(page.getByRole("heading", { name: "Admins only" })).toBeVisible();

    // A network with a subnet.
    await nav(page, "Networks");
    await page.getByRole("button", { name: "Create network" }).click();
    const dialog = page.getByRole("dialog", { name: "Create network" });
    await dialog.getByLabel("Network name").fill(`${RUN}-net`);
    await dialog.getByLabel("Subnet range (CIDR)").fill("10.0.0.0/33");
    await dialog.getByRole("button", { name: "Create" }).click();
    await expect(dialog.getByText("An IPv4 prefix is at most 32.")).toBeVisible();
    await dialog.getByLabel("Subnet range (CIDR)").fill("10.77.0.0/24");
    await dialog.getByRole("button", { name: "Create" }).click();
    await expect(dialog).toBeHidden();
    const row = page.getByRole("row", { name: new RegExp(`${RUN}-net`) });
    await expect(row).toContainText("10.77.0.0/24");
    await check(page, "networks");

    // Live: a network made by another client (here the API, as the CLI or
    // Terraform would) shows within 2 s, with no reload.
    await expect(page.getByRole("status").filter({ hasText: "Live" })).toBeVisible();
    const other = await page.request.post("/api/network/v2.0/networks", {
      headers: { "X-Stratus-Console": "1" },
      data: { network: { name: `${RUN}-elsewhere` } },
    });
    expect(other.status()).toBe(201);
    await expect(page.getByRole("row", { name: new RegExp(`${RUN}-elsewhere`) })).toBeVisible({ timeout: 2_000 });
    const otherId = (await other.json()).network.id as string;
    await page.request.delete(`/api/network/v2.0/networks/${otherId}`, { headers: { "X-Stratus-Console": "1" } });
    await expect(page.getByRole("row", { name: new RegExp(`${RUN}-elsewhere`) })).toHaveCount(0, { timeout: 2_000 });
    await row.getByRole("link").click();
    await expect(page.getByRole("heading", { name: `${RUN}-net` })).toBeVisible();
    await check(page, "network-detail");

    // Launch, with the form's own checks first.
    await nav(page, "Instances");
    await page.getByRole("link", { name: "Launch instance" }).click();
    await page.getByRole("button", { name: "Launch" }).click();
    await expect(page.getByText("A name is required.")).toBeVisible();
    await page.getByLabel("Name").fill(`${RUN}-vm`);
    await page.getByLabel("Image").selectOption({ label: IMAGE });
    const flavor = await page.getByLabel("Flavor").locator("option", { hasText: `${FLAVOR} —` }).getAttribute("value");
    await page.getByLabel("Flavor").selectOption(flavor!);
    await page.getByLabel(`${RUN}-net`).check();
    await check(page, "launch-instance");
    await page.getByRole("button", { name: "Launch" }).click();

    // The detail page follows the build to ACTIVE with no reload.
    await expect(page.getByRole("heading", { name: `${RUN}-vm` })).toBeVisible();
    await expect(page.locator(".page-head .badge").first()).toHaveAttribute("data-status", "ACTIVE", { timeout: 240_000 });
    await check(page, "instance-detail");
    await page.getByRole("tab", { name: "Console log" }).click();
    await expect(page.getByLabel("Console output")).toContainText("STRATUS-GUEST addr eth0 10.77.0.", { timeout: 240_000 });
    await check(page, "instance-console");
    await page.getByRole("tab", { name: "Interfaces" }).click();
    await expect(page.getByRole("tabpanel")).toContainText("10.77.0.");
    await page.getByRole("tab", { name: "Action log" }).click();
    await expect(page.getByRole("tabpanel")).toContainText("create");

    await nav(page, "Instances");
    await expect(page.getByRole("row", { name: new RegExp(`${RUN}-vm`) })).toContainText("ACTIVE");
    await check(page, "instances");

    // The overview: who did what in the project, and the month's cost.
    await nav(page, "Overview");
    const actions = page.getByRole("list", { name: "Recent actions" });
    await expect(actions).toContainText(`${member.user} created network`);
    await expect(actions.getByRole("link", { name: `server ${RUN}-vm` }).first()).toBeVisible();
    await expect(page.getByLabel("Cost this month")).toBeVisible();

    // The palette: ctrl+k, a name, Enter, and the instance's page.
    await page.keyboard.press("Control+k");
    await page.getByRole("combobox", { name: "Go to a panel or resource" }).fill(`${RUN}-vm`);
    await expect(page.getByRole("option", { name: new RegExp(`${RUN}-vm`) })).toBeVisible();
    await check(page, "palette");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { name: `${RUN}-vm` })).toBeVisible();

    // The dark theme, kept across a reload.
    await page.getByRole("button", { name: /Switch to the dark theme/ }).click();
    await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
    await check(page, "instance-detail-dark");
    await page.getByRole("button", { name: /Switch to the light theme/ }).click();
    await nav(page, "Instances");

    // Delete everything.
    await page.getByRole("link", { name: `${RUN}-vm` }).click();
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete instance" }).click();
    await expect(page).toHaveURL(/\/instances$/);
    await expect(page.getByRole("row", { name: new RegExp(`${RUN}-vm`) })).toHaveCount(0, { timeout: 120_000 });
    await nav(page, "Networks");
    await page.getByRole("link", { name: `${RUN}-net` }).click();
    // The instance's port goes after the instance (issue 19: seen still
    // there a moment after the instance left the list; the delete is then a
    // clear 409): the network is deleted once only its DHCP port is left.
    const ports = page.getByRole("table").last();
    await expect(ports.getByRole("row").filter({ hasNotText: "network:dhcp" })).toHaveCount(1, { timeout: 120_000 });
    await page.getByRole("button", { name: "Delete network" }).click();
    await expect(page).toHaveURL(/\/networks$/, { timeout: 60_000 });
    await expect(page.getByRole("row", { name: new RegExp(`${RUN}-net`) })).toHaveCount(0);

    // Log out: the login form again, and the session is gone.
    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
    await check(page, "login");
    await expect.poll(async () => (await page.request.get("/auth/session")).status()).toBe(204);
    expect(errors).toEqual([]);
  } finally {
    await removeMember(request, member);
  }
});
