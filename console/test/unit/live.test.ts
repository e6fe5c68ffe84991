import { describe, expect, it } from "vitest";
import { staleKeys } from "../../src/live";

describe("staleKeys", () => {
  it("names the changed collection and what depends on it", () => {
    expect(staleKeys({ service: "network", kind: "subnets" })).toEqual([["network", "subnets"]]);
    const server = staleKeys({ service: "compute", kind: "servers", id: "s1" });
    expect(server[0]).toEqual(["compute", "servers"]);
    expect(server).toContainEqual(["compute", "limits"]);
    expect(server).toContainEqual(["network", "ports"]);
    expect(staleKeys({ service: "volume", kind: "volumes" })).toContainEqual(["compute", "servers"]);
  });
});
