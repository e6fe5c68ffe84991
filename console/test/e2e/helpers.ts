// Shared by the browser tests: a project and member user of the test's
// own (made through the console's proxy as the admin), screenshots, the
// accessibility scan, and a watch on the browser console for errors.
import AxeBuilder from "@axe-core/playwright";
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";

export const ADMIN_PASSWORD = process.env.STRATUS_CONSOLE_ADMIN_PASSWORD ?? "";
export const IMAGE = process.env.STRATUS_E2E_IMAGE ?? "smoke-guest";
export const FLAVOR = process.env.STRATUS_E2E_FLAVOR ?? "smoke.guest";
export const RUN = `e2e${Date.now().toString(36)}`;
const SHOTS = process.env.STRATUS_SCREENSHOTS ?? "screenshots";
mkdirSync(SHOTS, { recursive: true });

const W = { "X-Stratus-Console": "1" };

/** Logs the API request context in as the admin. */
export async function adminApi(request: APIRequestContext) {
  const r = await request.post("/auth/login", { headers: W, data: { username: "admin", password: ADMIN_PASSWORD } });
  expect(r.status(), await r.text()).toBe(200);
}

/** A project and a member of it, made by the admin; returns their names. */
export async function makeMember(request: APIRequestContext) {
  await adminApi(request);
  const project = await request.post("/api/identity/v3/projects", {
    headers: W,
    data: { project: { name: `${RUN}-project`, domain_id: "default" } },
  });
  expect(project.status(), await project.text()).toBe(201);
  const projectId = (await project.json()).project.id as string;
  const user = await request.post("/api/identity/v3/users", {
    headers: W,
    data: { user: { name: `${RUN}-user`, password: `${RUN}-pw`, domain_id: "default", default_project_id: projectId } },
  });
  expect(user.status(), await user.text()).toBe(201);
  const userId = (await user.json()).user.id as string;
  const roles = await (await request.get("/api/identity/v3/roles?name=member")).json();
  const member = roles.roles.find((r: { name: string }) => r.name === "member").id as string;
  const grant = await request.put(`/api/identity/v3/projects/${projectId}/users/${userId}/roles/${member}`, { headers: W });
  expect(grant.status()).toBe(204);
  return { projectId, userId, user: `${RUN}-user`, password: `${RUN}-pw` };
}

/** Removes what the test's project still holds (a failed run leaves
 * servers and networks), then the user and the project. */
export async function removeMember(request: APIRequestContext, m: { projectId: string; userId: string }) {
  await adminApi(request);
  const servers = await (await request.get(`/api/compute/v2.1/servers?all_tenants=1&project_id=${m.projectId}`)).json();
  for (const s of servers.servers ?? []) await request.delete(`/api/compute/v2.1/servers/${s.id}`, { headers: W });
  await expect
    .poll(async () => (await (await request.get(`/api/compute/v2.1/servers?all_tenants=1&project_id=${m.projectId}`)).json()).servers.length, {
      timeout: 120_000,
    })
    .toBe(0);
  type Owned = { id: string; project_id: string };
  const owned = (list: Owned[] | undefined) => (list ?? []).filter((x) => x.project_id === m.projectId);
  for (const r of owned((await (await request.get("/api/network/v2.0/floatingips")).json()).floatingips))
    await request.delete(`/api/network/v2.0/floatingips/${r.id}`, { headers: W });
  for (const r of owned((await (await request.get("/api/network/v2.0/routers")).json()).routers)) {
    const ports = (await (await request.get(`/api/network/v2.0/ports?device_id=${r.id}`)).json()).ports ?? [];
    for (const p of ports as { device_id: string; device_owner: string; fixed_ips: { subnet_id: string }[] }[])
      if (p.device_id === r.id && p.device_owner === "network:router_interface")
        await request.put(`/api/network/v2.0/routers/${r.id}/remove_router_interface`, { headers: W, data: { subnet_id: p.fixed_ips[0].subnet_id } });
    await request.delete(`/api/network/v2.0/routers/${r.id}`, { headers: W });
  }
  const volumes = (await (await request.get(`/api/volume/v3/${m.projectId}/volumes`)).json()).volumes ?? [];
  for (const v of volumes as { id: string }[]) await request.delete(`/api/volume/v3/${m.projectId}/volumes/${v.id}`, { headers: W });
  for (const n of owned((await (await request.get("/api/network/v2.0/networks")).json()).networks))
    await request.delete(`/api/network/v2.0/networks/${n.id}`, { headers: W });
  await request.delete(`/api/identity/v3/users/${m.userId}`, { headers: W });
  await request.delete(`/api/identity/v3/projects/${m.projectId}`, { headers: W });
}

/** An external network (admin-made, as an operator would) for routers'
 * gateways and floating IPs; returns its id. */
export async function makeExternal(request: APIRequestContext, name: string, cidr: string): Promise<string> {
  await adminApi(request);
  const net = await request.post("/api/network/v2.0/networks", { headers: W, data: { network: { name, "router:external": true } } });
  expect(net.status(), await net.text()).toBe(201);
  const id = (await net.json()).network.id as string;
  const sub = await request.post("/api/network/v2.0/subnets", {
    headers: W,
    data: { subnet: { network_id: id, cidr, ip_version: 4, enable_dhcp: false, name: `${name}-v4` } },
  });
  expect(sub.status(), await sub.text()).toBe(201);
  return id;
}

export async function removeNetwork(request: APIRequestContext, id: string) {
  await adminApi(request);
  await request.delete(`/api/network/v2.0/networks/${id}`, { headers: W });
}

export async function login(page: Page, user: string, password: string) {
  await page.goto("/");
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();
}

/** Opens a panel from the navigation. */
export async function nav(page: Page, name: string) {
  await page.getByRole("navigation", { name: "Panels" }).getByRole("link", { name, exact: true }).click();
}

/** A screenshot of the panel and an axe scan with no serious violations. */
export async function check(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  const scan = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const serious = scan.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`), `axe on ${name}`).toEqual([]);
}

/** Collects the page's console errors and uncaught exceptions. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${m.text()} ${m.location().url}`);
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}
