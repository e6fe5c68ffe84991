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
  for (const n of owned((await (await request.get("/api/network/v2.0/networks")).json()).networks))
    await request.delete(`/api/network/v2.0/networks/${n.id}`, { headers: W });
  await request.delete(`/api/identity/v3/users/${m.userId}`, { headers: W });
  await request.delete(`/api/identity/v3/projects/${m.projectId}`, { headers: W });
}

export async function login(page: Page, user: string, password: string) {
  await page.goto("/");
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();
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
