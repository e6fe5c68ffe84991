import { describe, expect, it } from "vitest";
import { money } from "../../src/format";
import { minorUnits, monthBounds } from "../../src/pages/admin/Billing";
import { flavorProblems } from "../../src/pages/admin/Flavors";
import { quotaChanges } from "../../src/pages/admin/Quotas";

describe("admin forms", () => {
  it("checks a flavor's sizes", () => {
    expect(flavorProblems({ name: "m1", vcpus: "2", ram: "2048", disk: "0", isPublic: true })).toEqual({});
    const e = flavorProblems({ name: " ", vcpus: "0", ram: "1.5", disk: "-1", isPublic: true });
    expect(Object.keys(e).sort()).toEqual(["disk", "name", "ram", "vcpus"]);
  });

  it("sends only the quotas that changed, and refuses non-numbers", () => {
    expect(quotaChanges({ instances: 10, cores: 20 }, { instances: "10", cores: "24" })).toEqual({ cores: 24 });
    expect(quotaChanges({ instances: 10 }, { instances: "-1" })).toEqual({ instances: -1 });
    expect(quotaChanges({ instances: 10 }, { instances: "-2" })).toMatch(/instances/);
    expect(quotaChanges({ instances: 10 }, { instances: "ten" })).toMatch(/whole number/);
  });

  it("bounds this month and formats money in minor units", () => {
    expect(monthBounds(new Date(Date.UTC(2026, 11, 3, 15)))).toEqual(["2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"]);
    expect(money(12345, "EUR")).toBe("123.45 EUR");
    expect(money(null)).toBe("—");
  });

  it("takes rate card prices as whole minor units only", () => {
    expect(minorUnits("")).toBeUndefined();
    expect(minorUnits(" 42 ")).toBe(42);
    expect(minorUnits("0")).toBe(0);
    for (const bad of ["-1", "1.5", "1e3", "ten"]) expect(minorUnits(bad)).toMatch(/whole number/);
  });
});
