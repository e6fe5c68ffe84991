import { describe, expect, it } from "vitest";
import { cloudsYaml } from "../../src/pages/ApiAccess";
import { keyNameProblem } from "../../src/pages/KeyPairs";
import { ruleBody } from "../../src/pages/SecurityGroups";
import { sizeProblem } from "../../src/pages/Volumes";

describe("security group rules", () => {
  it("builds the rule or names the problem", () => {
    expect(ruleBody("g", { direction: "ingress", protocol: "tcp", ports: "22", remote: "0.0.0.0/0" })).toEqual({
      security_group_id: "g",
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "tcp",
      port_range_min: 22,
      port_range_max: 22,
      remote_ip_prefix: "0.0.0.0/0",
    });
    expect(ruleBody("g", { direction: "ingress", protocol: "udp", ports: "8000-8080", remote: "fd00::/8" })).toMatchObject({
      port_range_min: 8000,
      port_range_max: 8080,
      ethertype: "IPv6",
    });
    expect(ruleBody("g", { direction: "egress", protocol: "", ports: "", remote: "" })).toEqual({
      security_group_id: "g",
      direction: "egress",
      ethertype: "IPv4",
    });
    expect(ruleBody("g", { direction: "ingress", protocol: "icmp", ports: "22", remote: "" })).toBe("Ports need TCP or UDP.");
    expect(ruleBody("g", { direction: "ingress", protocol: "tcp", ports: "90-80", remote: "" })).toMatch(/low to high/);
    expect(ruleBody("g", { direction: "ingress", protocol: "tcp", ports: "70000", remote: "" })).toMatch(/65535/);
    expect(ruleBody("g", { direction: "ingress", protocol: "tcp", ports: "22; rm -rf /", remote: "" })).toMatch(/range/);
    expect(ruleBody("g", { direction: "ingress", protocol: "tcp", ports: "", remote: "everywhere" })).toMatch(/address\/prefix/);
  });
});

describe("volume sizes and key names", () => {
  it("checks before sending", () => {
    expect(sizeProblem("1")).toBeNull();
    expect(sizeProblem("0")).toBe("At least 1 GiB.");
    expect(sizeProblem("2", 3)).toBe("At least 3 GiB.");
    expect(sizeProblem("1.5")).toBe("A whole number of GiB.");
    expect(sizeProblem("99999")).toBe("At most 16384 GiB.");
    expect(keyNameProblem("laptop key-1@home")).toBeNull();
    expect(keyNameProblem("")).toMatch(/required/);
    expect(keyNameProblem("a/b")).toMatch(/letters/);
  });
});

describe("clouds.yaml", () => {
  it("names the user and project, and holds no password", () => {
    const yaml = cloudsYaml({
      user: { id: "u", name: "alice", domain: "Default" },
      project: { id: "p1", name: "alpha" },
      roles: ["member"],
      admin: false,
      expires_at: "",
      projects: [],
      endpoints: { identity: { url: "http://127.0.0.1:5000/v3" } },
    });
    expect(yaml).toContain("auth_url: http://127.0.0.1:5000/v3");
    expect(yaml).toContain("username: alice");
    expect(yaml).toContain("project_id: p1");
    expect(yaml).not.toContain("password");
  });
});
