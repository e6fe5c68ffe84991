// Drives every API of a live Stratus cloud through a client generated from
// its OpenAPI documents (openapi-typescript + openapi-fetch): the main
// resources of each are created, listed, shown, updated and deleted. The
// compiler checks the calls against the documents; this run checks the
// documents against the cloud.
//
// Environment: STRATUS_TOKEN (an admin's project-scoped token),
// STRATUS_PROJECT_ID (its project), STRATUS_{IDENTITY,COMPUTE,NETWORK,
// IMAGE,VOLUME,METERING}_URL.

import createClient from "openapi-fetch";
import type { paths as Identity } from "../gen/identity.js";
import type { paths as Compute } from "../gen/compute.js";
import type { paths as Network } from "../gen/network.js";
import type { paths as Image } from "../gen/image.js";
import type { paths as Volume } from "../gen/volume.js";
import type { paths as Metering } from "../gen/metering.js";

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

const token = env("STRATUS_TOKEN");
const project = env("STRATUS_PROJECT_ID");
const headers = { "X-Auth-Token": token };
const prefix = `oc-${process.pid}`;

const identity = createClient<Identity>({ baseUrl: env("STRATUS_IDENTITY_URL"), headers });
const compute = createClient<Compute>({ baseUrl: env("STRATUS_COMPUTE_URL"), headers });
const network = createClient<Network>({ baseUrl: env("STRATUS_NETWORK_URL"), headers });
const image = createClient<Image>({ baseUrl: env("STRATUS_IMAGE_URL"), headers });
const volume = createClient<Volume>({ baseUrl: env("STRATUS_VOLUME_URL"), headers });
const metering = createClient<Metering>({ baseUrl: env("STRATUS_METERING_URL"), headers });

/** The body of a successful answer; throws with the status and error otherwise. */
function ok<T>(what: string, r: { data?: T; error?: unknown; response: Response }): T {
  if (r.error !== undefined || !r.response.ok) {
    throw new Error(`${what}: ${r.response.status} ${JSON.stringify(r.error)}`);
  }
  return r.data as T;
}

/** Succeeds when the answer is a success without a body (204, 202). */
function done(what: string, r: { error?: unknown; response: Response }): void {
  if (r.error !== undefined || !r.response.ok) {
    throw new Error(`${what}: ${r.response.status} ${JSON.stringify(r.error)}`);
  }
}

function expect(what: string, cond: boolean): void {
  if (!cond) throw new Error(`expected: ${what}`);
}

/** Polls `probe` until it is true, for at most `seconds`. */
async function until(what: string, seconds: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const counts: Record<string, number> = {};
function step(api: string): void {
  counts[api] = (counts[api] ?? 0) + 1;
}

async function identityApi(): Promise<void> {
  const made = ok("createProject", await identity.POST("/v3/projects", {
    body: { project: { name: `${prefix}-project`, description: "made by the generated client", is_domain: false } },
  }));
  const id = made.project.id;
  step("identity");
  const list = ok("listProjects", await identity.GET("/v3/projects", { params: { query: { name: `${prefix}-project` } } }));
  expect("the project is listed", list.projects.some((p) => p.id === id));
  step("identity");
  const shown = ok("showProject", await identity.GET("/v3/projects/{project_id}", { params: { path: { project_id: id } } }));
  expect("the project shows its name", shown.project.name === `${prefix}-project`);
  step("identity");
  const updated = ok("updateProject", await identity.PATCH("/v3/projects/{project_id}", {
    params: { path: { project_id: id } },
    body: { project: { description: "updated", enabled: false, is_domain: false } },
  }));
  expect("the project is disabled", updated.project.enabled === false);
  step("identity");
  done("deleteProject", await identity.DELETE("/v3/projects/{project_id}", { params: { path: { project_id: id } } }));
  const gone = await identity.GET("/v3/projects/{project_id}", { params: { path: { project_id: id } } });
  expect("the project is gone", gone.response.status === 404);
  step("identity");
}

async function networkApi(): Promise<void> {
  const net = ok("createNetwork", await network.POST("/v2.0/networks", {
    body: { network: { name: `${prefix}-net` } },
  })).network;
  step("network");
  const subnet = ok("createSubnet", await network.POST("/v2.0/subnets", {
    body: { subnet: { network_id: net.id, ip_version: 4, cidr: "10.231.0.0/24", name: `${prefix}-subnet` } },
  })).subnet;
  expect("the subnet has a pool", subnet.allocation_pools.length === 1);
  step("network");
  const port = ok("createPort", await network.POST("/v2.0/ports", {
    body: { port: { network_id: net.id, name: `${prefix}-port` } },
  })).port;
  expect("the port has an address on the subnet", port.fixed_ips.some((i) => i.subnet_id === subnet.id));
  step("network");
  const listed = ok("listNetworks", await network.GET("/v2.0/networks")).networks;
  expect("the network is listed with its subnet", listed.some((n) => n.id === net.id && n.subnets.includes(subnet.id)));
  step("network");
  const renamed = ok("updateNetwork", await network.PUT("/v2.0/networks/{network_id}", {
    params: { path: { network_id: net.id } },
    body: { network: { name: `${prefix}-net2` } },
  })).network;
  expect("the network is renamed", renamed.name === `${prefix}-net2`);
  step("network");
  ok("updateSubnet", await network.PUT("/v2.0/subnets/{subnet_id}", {
    params: { path: { subnet_id: subnet.id } },
    body: { subnet: { dns_nameservers: ["10.231.0.53"] } },
  }));
  ok("updatePort", await network.PUT("/v2.0/ports/{port_id}", {
    params: { path: { port_id: port.id } },
    body: { port: { name: `${prefix}-port2` } },
  }));
  const shownPort = ok("showPort", await network.GET("/v2.0/ports/{port_id}", { params: { path: { port_id: port.id } } })).port;
  expect("the port is renamed", shownPort.name === `${prefix}-port2`);
  step("network");
  const group = ok("createSecurityGroup", await network.POST("/v2.0/security-groups", {
    body: { security_group: { name: `${prefix}-sg` } },
  })).security_group;
  const rule = ok("createSecurityGroupRule", await network.POST("/v2.0/security-group-rules", {
    body: {
      security_group_rule: {
        security_group_id: group.id, direction: "ingress", ethertype: "IPv4",
        protocol: "tcp", port_range_min: 22, port_range_max: 22, remote_ip_prefix: "10.0.0.0/8",
      },
    },
  })).security_group_rule;
  expect("the rule is tcp/22", rule.protocol === "tcp" && rule.port_range_min === 22);
  step("network");
  const router = ok("createRouter", await network.POST("/v2.0/routers", {
    body: { router: { name: `${prefix}-router` } },
  })).router;
  const iface = ok("addRouterInterface", await network.PUT("/v2.0/routers/{router_id}/add_router_interface", {
    params: { path: { router_id: router.id } },
    body: { subnet_id: subnet.id },
  }));
  expect("the interface is on the subnet", iface.subnet_id === subnet.id);
  ok("removeRouterInterface", await network.PUT("/v2.0/routers/{router_id}/remove_router_interface", {
    params: { path: { router_id: router.id } },
    body: { subnet_id: subnet.id },
  }));
  step("network");
  done("deleteRouter", await network.DELETE("/v2.0/routers/{router_id}", { params: { path: { router_id: router.id } } }));
  done("deleteSecurityGroupRule", await network.DELETE("/v2.0/security-group-rules/{rule_id}", { params: { path: { rule_id: rule.id } } }));
  done("deleteSecurityGroup", await network.DELETE("/v2.0/security-groups/{security_group_id}", { params: { path: { security_group_id: group.id } } }));
  done("deletePort", await network.DELETE("/v2.0/ports/{port_id}", { params: { path: { port_id: port.id } } }));
  done("deleteSubnet", await network.DELETE("/v2.0/subnets/{subnet_id}", { params: { path: { subnet_id: subnet.id } } }));
  done("deleteNetwork", await network.DELETE("/v2.0/networks/{network_id}", { params: { path: { network_id: net.id } } }));
  const gone = await network.GET("/v2.0/networks/{network_id}", { params: { path: { network_id: net.id } } });
  expect("the network is gone", gone.response.status === 404);
  step("network");
}

async function imageApi(): Promise<void> {
  const made = ok("createImage", await image.POST("/v2/images", {
    body: { name: `${prefix}-image`, disk_format: "raw", container_format: "bare", os_distro: "none" },
  }));
  expect("the image is queued", made.status === "queued");
  expect("the property is kept", made.os_distro === "none");
  step("image");
  done("addImageTag", await image.PUT("/v2/images/{image_id}/tags/{tag}", {
    params: { path: { image_id: made.id, tag: "smoke" } },
  }));
  const shown = ok("showImage", await image.GET("/v2/images/{image_id}", { params: { path: { image_id: made.id } } }));
  expect("the image has its tag", shown.tags.includes("smoke"));
  step("image");
  const list = ok("listImages", await image.GET("/v2/images", { params: { query: { name: `${prefix}-image` } } }));
  expect("the image is listed", list.images.some((i) => i.id === made.id));
  step("image");
  done("deleteImage", await image.DELETE("/v2/images/{image_id}", { params: { path: { image_id: made.id } } }));
  step("image");
}

async function volumeApi(): Promise<void> {
  const path = { project_id: project };
  const made = ok("createVolume", await volume.POST("/v3/{project_id}/volumes", {
    params: { path },
    body: { volume: { size: 1, name: `${prefix}-volume`, metadata: { purpose: "smoke" } } },
  })).volume;
  step("volume");
  const id = made.id;
  await until("the volume to be available", 120, async () => {
    const v = ok("showVolume", await volume.GET("/v3/{project_id}/volumes/{volume_id}", { params: { path: { ...path, volume_id: id } } }));
    if (v.volume.status === "error") throw new Error("the volume went to error");
    return v.volume.status === "available";
  });
  step("volume");
  const updated = ok("updateVolume", await volume.PUT("/v3/{project_id}/volumes/{volume_id}", {
    params: { path: { ...path, volume_id: id } },
    body: { volume: { name: `${prefix}-volume2` } },
  })).volume;
  expect("the volume is renamed", updated.name === `${prefix}-volume2`);
  step("volume");
  const list = ok("listVolumesDetail", await volume.GET("/v3/{project_id}/volumes/detail", { params: { path } }));
  expect("the volume is listed", list.volumes.some((v) => v.id === id && v.metadata["purpose"] === "smoke"));
  step("volume");
  done("deleteVolume", await volume.DELETE("/v3/{project_id}/volumes/{volume_id}", { params: { path: { ...path, volume_id: id } } }));
  await until("the volume to be gone", 120, async () => {
    const r = await volume.GET("/v3/{project_id}/volumes/{volume_id}", { params: { path: { ...path, volume_id: id } } });
    return r.response.status === 404;
  });
  step("volume");
}

async function computeApi(): Promise<void> {
  const flavor = ok("createFlavor", await compute.POST("/v2.1/flavors", {
    body: { flavor: { name: `${prefix}-flavor`, ram: 64, vcpus: 1, disk: 0 } },
  })).flavor;
  step("compute");
  const shown = ok("showFlavor", await compute.GET("/v2.1/flavors/{flavor_id}", { params: { path: { flavor_id: flavor.id } } })).flavor;
  expect("the flavor has its size", shown.ram === 64 && shown.vcpus === 1);
  step("compute");
  ok("createFlavorExtraSpecs", await compute.POST("/v2.1/flavors/{flavor_id}/os-extra_specs", {
    params: { path: { flavor_id: flavor.id } },
    body: { extra_specs: { "hw:cpu_policy": "shared" } },
  }));
  const specs = ok("listFlavorExtraSpecs", await compute.GET("/v2.1/flavors/{flavor_id}/os-extra_specs", { params: { path: { flavor_id: flavor.id } } }));
  expect("the spec is set", specs.extra_specs["hw:cpu_policy"] === "shared");
  step("compute");
  const key = ok("createKeypair", await compute.POST("/v2.1/os-keypairs", {
    body: { keypair: { name: `${prefix}-key` } },
  })).keypair;
  expect("a made key pair comes with its private key", (key.private_key ?? "").includes("PRIVATE KEY"));
  const keys = ok("listKeypairs", await compute.GET("/v2.1/os-keypairs")).keypairs;
  expect("the key pair is listed", keys.some((k) => k.keypair.name === `${prefix}-key`));
  step("compute");
  const group = ok("createServerGroup", await compute.POST("/v2.1/os-server-groups", {
    body: { server_group: { name: `${prefix}-group`, policies: ["anti-affinity"] } },
  })).server_group;
  const shownGroup = ok("showServerGroup", await compute.GET("/v2.1/os-server-groups/{group_id}", { params: { path: { group_id: group.id } } }));
  expect("the group has its policy", shownGroup.server_group.policies[0] === "anti-affinity");
  step("compute");
  const servers = ok("listServersDetail", await compute.GET("/v2.1/servers/detail"));
  expect("servers list", Array.isArray(servers.servers));
  const limits = ok("showComputeLimits", await compute.GET("/v2.1/limits"));
  expect("limits have instances", typeof limits.limits.absolute.maxTotalInstances === "number");
  step("compute");
  done("deleteServerGroup", await compute.DELETE("/v2.1/os-server-groups/{group_id}", { params: { path: { group_id: group.id } } }));
  done("deleteKeypair", await compute.DELETE("/v2.1/os-keypairs/{name}", { params: { path: { name: `${prefix}-key` } } }));
  done("deleteFlavor", await compute.DELETE("/v2.1/flavors/{flavor_id}", { params: { path: { flavor_id: flavor.id } } }));
  const gone = await compute.GET("/v2.1/flavors/{flavor_id}", { params: { path: { flavor_id: flavor.id } } });
  expect("the flavor is gone", gone.response.status === 404);
  step("compute");
}

async function meteringApi(): Promise<void> {
  const cards = ok("listRateCards", await metering.GET("/v1/rate-cards"));
  expect("rate cards list", Array.isArray(cards.rate_cards));
  step("metering");
  const usage = ok("listUsageHours", await metering.GET("/v1/usage", { params: { query: { project_id: project } } }));
  expect("usage lists", Array.isArray(usage.usage));
  step("metering");
  const invoices = ok("listInvoices", await metering.GET("/v1/invoices"));
  expect("invoices list", Array.isArray(invoices.invoices));
  step("metering");
}

async function main(): Promise<void> {
  for (const [name, run] of [
    ["identity", identityApi],
    ["network", networkApi],
    ["image", imageApi],
    ["volume", volumeApi],
    ["compute", computeApi],
    ["metering", meteringApi],
  ] as const) {
    await run();
    console.log(`generated client: ${name}: ${counts[name] ?? 0} steps passed`);
  }
}

main().catch((e: unknown) => {
  console.error(`generated client: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
