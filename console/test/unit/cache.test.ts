import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { forgetDeleted, leaveSession } from "../../src/api/cache";

describe("query cache moves", () => {
  it("forgets a deleted resource's own queries and keeps the lists", () => {
    const qc = new QueryClient();
    qc.setQueryData(["compute", "servers", "one", "s1"], { id: "s1" });
    qc.setQueryData(["compute", "servers", "one", "s1", "console"], { output: "" });
    qc.setQueryData(["compute", "servers", "one", "s2"], { id: "s2" });
    qc.setQueryData(["compute", "servers", "project"], []);
    forgetDeleted(qc, ["compute", "servers", "one", "s1"], ["compute", "servers"]);
    expect(qc.getQueryData(["compute", "servers", "one", "s1"])).toBeUndefined();
    expect(qc.getQueryData(["compute", "servers", "one", "s1", "console"])).toBeUndefined();
    expect(qc.getQueryState(["compute", "servers", "one", "s2"])?.isInvalidated).toBe(true);
    expect(qc.getQueryState(["compute", "servers", "project"])?.isInvalidated).toBe(true);
  });

  it("leaves a session with nothing read under it", () => {
    const qc = new QueryClient();
    qc.setQueryData(["session"], { user: "alice" });
    qc.setQueryData(["network", "networks"], []);
    leaveSession(qc);
    expect(qc.getQueryData(["session"])).toBeNull();
    expect(qc.getQueryData(["network", "networks"])).toBeUndefined();
  });
});
