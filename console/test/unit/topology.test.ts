import { describe, expect, it } from "vitest";
import { topology } from "../../src/pages/Topology";

describe("topology", () => {
  it("links external → router → network → instance, with floating IPs on instances", () => {
    const { nodes, edges } = topology({
      networks: [
        { id: "ext", name: "public", "router:external": true },
        { id: "net", name: "web", "router:external": false },
      ],
      subnets: [{ network_id: "net", cidr: "10.0.0.0/24" }],
      routers: [{ id: "r1", name: "edge", external_gateway_info: { network_id: "ext" } }],
      ports: [
        { id: "p1", device_id: "r1", device_owner: "network:router_interface", network_id: "net", fixed_ips: [{ ip_address: "10.0.0.1" }] },
        { id: "p2", device_id: "vm1", device_owner: "compute:nova", network_id: "net", fixed_ips: [{ ip_address: "10.0.0.5" }] },
        { id: "p3", device_id: "dhcp", device_owner: "network:dhcp", network_id: "net", fixed_ips: [{ ip_address: "10.0.0.2" }] },
      ],
      servers: [{ id: "vm1", name: "app", status: "ACTIVE" }],
      floatingips: [{ port_id: "p2", floating_ip_address: "172.31.0.9" }],
    });
    expect(nodes.map((n) => `${n.kind}:${n.label}`)).toEqual(["external:public", "network:web", "router:edge", "instance:app"]);
    expect(edges).toEqual([
      { from: "ext", to: "r1" },
      { from: "r1", to: "net" },
      { from: "net", to: "vm1" },
    ]);
    const vm = nodes.find((n) => n.id === "vm1")!;
    expect(vm.detail).toContain("10.0.0.5");
    expect(vm.detail).toContain("⇄ 172.31.0.9");
    expect(vm.href).toBe("/instances/vm1");
    expect(nodes.find((n) => n.id === "net")!.detail).toBe("10.0.0.0/24");
  });
});
