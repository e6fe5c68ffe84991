// The rest of a project's resources in the console: a router with a
// gateway and an interface, a key pair (its private key shown once), a
// security group with a rule, an image uploaded from the browser with
// progress, a volume created and attached to an instance, a floating IP
// allocated and associated with it; every panel screenshotted and scanned.
import { expect, test } from "@playwright/test";
import { FLAVOR, IMAGE, RUN, check, login, makeExternal, makeMember, nav, removeMember, removeNetwork, watchErrors } from "./helpers";

test("a member wires a router, keys, groups, an image, a volume and a floating IP", async ({ page, request }) => {
  const external = await makeExternal(request, `${RUN}-ext`, "172.31.247.0/24");
  const member = await makeMember(request);
  const errors = watchErrors(page);
  try {
    await login(page, member.user, member.password);

    // A network, and a router between it and the external network.
    await nav(page, "Networks");
    await page.getByRole("button", { name: "Create network" }).click();
    const netDialog = page.getByRole("dialog", { name: "Create network" });
    await netDialog.getByLabel("Network name").fill(`${RUN}-net`);
    await netDialog.getByLabel("Subnet range (CIDR)").fill("10.78.0.0/24");
    await netDialog.getByRole("button", { name: "Create" }).click();
    await expect(netDialog).toBeHidden();
    await nav(page, "Routers");
    await page.getByRole("button", { name: "Create router" }).click();
    const rDialog = page.getByRole("dialog", { name: "Create router" });
    await rDialog.getByLabel("Router name").fill(`${RUN}-router`);
    await rDialog.getByLabel("External gateway").selectOption({ label: `${RUN}-ext` });
    await rDialog.getByRole("button", { name: "Create" }).click();
    const router = page.getByRole("article", { name: `Router ${RUN}-router` });
    await expect(router).toContainText("172.31.247.");
    const subnet = await router.getByLabel("Add interface on subnet").locator("option", { hasText: "10.78.0.0/24" }).getAttribute("value");
    await router.getByLabel("Add interface on subnet").selectOption(subnet!);
    await router.getByRole("button", { name: "Add interface" }).click();
    await expect(router).toContainText("10.78.0.1");
    await check(page, "routers");

    // A key pair: the private key once.
    await nav(page, "Key pairs");
    await page.getByRole("button", { name: "Create key pair" }).click();
    await page.getByRole("dialog").getByLabel("Key pair name").fill(`${RUN} key/bad`);
    await page.getByRole("dialog").getByRole("button", { name: "Create" }).click();
    await expect(page.getByRole("dialog").getByText("Use letters, digits")).toBeVisible();
    await page.getByRole("dialog").getByLabel("Key pair name").fill(`${RUN}-key`);
    await page.getByRole("dialog").getByRole("button", { name: "Create" }).click();
    await expect(page.getByLabel("Private key", { exact: true })).toContainText("PRIVATE KEY");
    await check(page, "key-pair-private-key");
    await page.getByRole("button", { name: "I have saved it" }).click();
    await expect(page.getByRole("row", { name: new RegExp(`${RUN}-key`) })).toBeVisible();
    await check(page, "key-pairs");

    // A security group with a rule (a bad port range first).
    await nav(page, "Security groups");
    await page.getByLabel("New group name").fill(`${RUN}-web`);
    await page.getByRole("button", { name: "Create group" }).click();
    const group = page.getByRole("article", { name: `Security group ${RUN}-web` });
    await group.getByLabel("Ports").fill("90-80");
    await group.getByRole("button", { name: "Add rule" }).click();
    await expect(group.getByText("low to high")).toBeVisible();
    await group.getByLabel("Ports").fill("80");
    await group.getByLabel("Remote CIDR").fill("0.0.0.0/0");
    await group.getByRole("button", { name: "Add rule" }).click();
    await expect(group).toContainText("ingress IPv4 tcp 80 from 0.0.0.0/0");
    await check(page, "security-groups");

    // An image uploaded from the browser, with progress.
    await nav(page, "Images");
    await page.getByRole("button", { name: "Upload image" }).click();
    const up = page.getByRole("dialog", { name: "Upload image" });
    await up.getByLabel("Image name").fill(`${RUN}-image`);
    await up.getByLabel("Disk format").selectOption("raw");
    await up.getByLabel("File").setInputFiles({ name: "disk.raw", mimeType: "application/octet-stream", buffer: Buffer.alloc(4 << 20) });
    await up.getByRole("button", { name: "Upload" }).click();
    await expect(up).toBeHidden({ timeout: 60_000 });
    const imageRow = page.getByRole("row", { name: new RegExp(`${RUN}-image`) });
    await expect(imageRow).toContainText("active");
    await expect(imageRow).toContainText("4.0 MiB");
    await check(page, "images");

    // An instance on the network, with the key and the group.
    await nav(page, "Instances");
    await page.getByRole("link", { name: "Launch instance" }).click();
    await page.getByLabel("Name").fill(`${RUN}-vm`);
    await page.getByLabel("Image").selectOption({ label: IMAGE });
    const flavor = await page.getByLabel("Flavor").locator("option", { hasText: `${FLAVOR} —` }).getAttribute("value");
    await page.getByLabel("Flavor").selectOption(flavor!);
    await page.getByLabel(`${RUN}-net`).check();
    await page.getByLabel("Key pair").selectOption(`${RUN}-key`);
    await page.getByLabel(`${RUN}-web`).check();
    await page.getByRole("button", { name: "Launch" }).click();
    await expect(page.locator(".page-head .badge").first()).toHaveAttribute("data-status", "ACTIVE", { timeout: 240_000 });

    // A volume, attached to it.
    await nav(page, "Volumes");
    await page.getByRole("button", { name: "Create volume" }).click();
    const vDialog = page.getByRole("dialog", { name: "Create volume" });
    await vDialog.getByLabel("Volume name").fill(`${RUN}-vol`);
    await vDialog.getByLabel("Size (GiB)").fill("0");
    await vDialog.getByRole("button", { name: "Create" }).click();
    await expect(vDialog.getByText("At least 1 GiB.")).toBeVisible();
    await vDialog.getByLabel("Size (GiB)").fill("1");
    await vDialog.getByRole("button", { name: "Create" }).click();
    const volRow = page.getByRole("row", { name: new RegExp(`${RUN}-vol`) });
    await expect(volRow).toContainText("available", { timeout: 60_000 });
    await volRow.getByRole("button", { name: `Attach ${RUN}-vol` }).click();
    await page.getByRole("dialog", { name: "Attach volume" }).getByLabel("Instance").selectOption({ label: `${RUN}-vm` });
    await page.getByRole("dialog", { name: "Attach volume" }).getByRole("button", { name: "Attach" }).click();
    await expect(volRow).toContainText("in-use", { timeout: 120_000 });
    await expect(volRow).toContainText(`${RUN}-vm`);
    await check(page, "volumes");

    // A floating IP, associated with the instance.
    await nav(page, "Floating IPs");
    await page.getByRole("button", { name: "Allocate IP" }).click();
    await page.getByRole("dialog", { name: "Allocate floating IP" }).getByRole("button", { name: "Allocate" }).click();
    const fipRow = page.getByRole("row", { name: /172\.31\.247\./ });
    await expect(fipRow).toBeVisible();
    const address = (await fipRow.locator("td").first().textContent())!;
    await fipRow.getByRole("button", { name: `Associate ${address}` }).click();
    const aDialog = page.getByRole("dialog", { name: `Associate ${address}` });
    const port = await aDialog.getByLabel("Instance port").locator("option", { hasText: `${RUN}-vm` }).getAttribute("value");
    await aDialog.getByLabel("Instance port").selectOption(port!);
    await aDialog.getByRole("button", { name: "Associate" }).click();
    await expect(fipRow).toContainText(`${RUN}-vm`);
    await expect(fipRow).toContainText("10.78.0.");
    await check(page, "floating-ips");

    // The topology draws it all, and each node opens its page.
    await nav(page, "Topology");
    const topo = page.getByRole("group", { name: "Network topology" });
    await expect(topo.getByRole("link", { name: `external ${RUN}-ext` })).toBeVisible();
    await expect(topo.getByRole("link", { name: `router ${RUN}-router` })).toBeVisible();
    await expect(topo.getByRole("link", { name: `network ${RUN}-net` })).toBeVisible();
    await expect(topo.getByRole("link", { name: `instance ${RUN}-vm` })).toContainText(address);
    await check(page, "topology");
    await topo.getByRole("link", { name: `instance ${RUN}-vm` }).click();
    await expect(page.getByRole("heading", { name: `${RUN}-vm` })).toBeVisible();

    // The instance's page lists the volume; the API access page the endpoints.
    await nav(page, "Instances");
    await page.getByRole("link", { name: `${RUN}-vm` }).click();
    await page.getByRole("tab", { name: "Volumes" }).click();
    await expect(page.getByRole("tabpanel")).toContainText(`${RUN}-vol`);
    // Detached from the instance's page.
    await page.getByRole("button", { name: `Detach ${RUN}-vol` }).click();
    await expect(page.getByRole("tabpanel")).toContainText("No volumes attached.", { timeout: 120_000 });
    await expect(page.getByLabel("Attach a volume").locator("option", { hasText: `${RUN}-vol` })).toHaveCount(1, { timeout: 60_000 });
    // Attached again at once and detached again: the guest let go of the
    // disk before the volume became available, and a second unplug right
    // after a plug is asked again until the guest obeys.
    const volOption = await page.getByLabel("Attach a volume").locator("option", { hasText: `${RUN}-vol` }).getAttribute("value");
    await page.getByLabel("Attach a volume").selectOption(volOption!);
    await page.getByRole("button", { name: "Attach", exact: true }).click();
    await expect(page.getByRole("tabpanel")).toContainText("(in-use)", { timeout: 60_000 });
    await page.getByRole("button", { name: `Detach ${RUN}-vol` }).click();
    await expect(page.getByRole("tabpanel")).toContainText("No volumes attached.", { timeout: 200_000 });
    await check(page, "instance-volumes");
    // The floating IP from the instance's interfaces: let go, then taken
    // again through the instance's own dialog.
    await page.getByRole("tab", { name: "Interfaces" }).click();
    const ifaces = page.getByRole("tabpanel");
    await expect(ifaces).toContainText(address);
    await ifaces.getByRole("button", { name: `Disassociate ${address}` }).click();
    await expect(ifaces).not.toContainText(address);
    await ifaces.getByRole("button", { name: /^Associate a floating IP with port/ }).click();
    const assoc = page.getByRole("dialog", { name: "Associate a floating IP" });
    await assoc.getByLabel("Floating IP").selectOption({ label: address });
    await assoc.getByRole("button", { name: "Associate" }).click();
    await expect(ifaces).toContainText(address);
    await check(page, "instance-interfaces");
    await nav(page, "API access");
    await expect(page.getByLabel("clouds.yaml")).toContainText(`username: ${member.user}`);
    await expect(page.getByRole("row", { name: /compute/ })).toBeVisible();
    await check(page, "api-access");

    // Usage: the instance's metered usage as a chart, and as CSV.
    await nav(page, "Usage");
    const chart = page.getByRole("figure", { name: /^instance \(ns\) usage/ });
    await expect(chart).toBeVisible({ timeout: 180_000 });
    await expect(chart.locator("canvas")).toBeVisible();
    const csv = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download usage CSV" }).click();
    expect((await csv).suggestedFilename()).toBe("usage.csv");
    await check(page, "usage");

    // Detach and release through the console too.
    await nav(page, "Floating IPs");
    await fipRow.getByRole("button", { name: `Disassociate ${address}` }).click();
    await expect(fipRow).not.toContainText(`${RUN}-vm`);
    await fipRow.getByRole("button", { name: `Release ${address}` }).click();
    await expect(fipRow).toHaveCount(0);
    await nav(page, "Volumes");
    await expect(volRow).toContainText("available", { timeout: 120_000 });
    await volRow.getByRole("button", { name: `Delete ${RUN}-vol` }).click();
    await page.getByRole("dialog", { name: "Delete volume" }).getByRole("button", { name: "Delete" }).click();
    await expect(volRow).toHaveCount(0, { timeout: 60_000 });
    await nav(page, "Images");
    await imageRow.getByRole("button", { name: `Delete image ${RUN}-image` }).click();
    await expect(imageRow).toHaveCount(0);
    expect(errors).toEqual([]);
  } finally {
    await removeMember(request, member);
    await removeNetwork(request, external);
  }
});
