import { describe, expect, it } from "vitest";
import { matches, type Target } from "../../src/components/Palette";

const targets: Target[] = [
  { label: "Instances", hint: "panel", href: "/instances" },
  { label: "web-1", hint: "instance 0c6f5b0e-aaaa", href: "/instances/0c6f5b0e-aaaa" },
  { label: "web-2", hint: "instance 9d1e-bbbb", href: "/instances/9d1e-bbbb" },
  { label: "backend", hint: "network 77aa", href: "/networks/77aa" },
];

describe("palette matches", () => {
  it("finds by name, id or kind, every word", () => {
    expect(matches(targets, "web").map((t) => t.label)).toEqual(["web-1", "web-2"]);
    expect(matches(targets, "0c6f").map((t) => t.label)).toEqual(["web-1"]);
    expect(matches(targets, "network back").map((t) => t.label)).toEqual(["backend"]);
    expect(matches(targets, "INSTANCES").map((t) => t.href)).toContain("/instances");
    expect(matches(targets, "")).toHaveLength(4);
    expect(matches(targets, "nothing-like-it")).toEqual([]);
  });
});
