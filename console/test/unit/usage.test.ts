import { describe, expect, it } from "vitest";
import { byTypeAndDay, usageCsv } from "../../src/pages/usage-data";

const hour = (h: string, type: string, metric: string, value: number) => ({
  hour: h,
  resource_type: type,
  resource_id: "r",
  metric,
  unit: "u",
  value,
  sum: value,
  maximum: value,
  samples: 1,
  kind: "gauge" as const,
  project_id: "p",
});

describe("usage charts", () => {
  it("sums each metric by UTC day, a chart per resource type", () => {
    const from = new Date(Date.UTC(2026, 11, 1, 13));
    const charts = byTypeAndDay(
      [
        hour("2026-12-01T10:00:00+00:00", "instance", "vcpus", 2),
        hour("2026-12-01T11:00:00+00:00", "instance", "vcpus", 2),
        hour("2026-12-02T00:00:00+00:00", "instance", "vcpus", 1),
        hour("2026-12-02T05:00:00+00:00", "volume", "size", 10),
        hour("2026-11-30T23:00:00+00:00", "instance", "vcpus", 99),
      ],
      from,
      3,
    );
    expect(charts.map((c) => c.type)).toEqual(["instance (u)", "volume (u)"]);
    expect(charts[0].days).toEqual([Date.UTC(2026, 11, 1) / 1000, Date.UTC(2026, 11, 2) / 1000, Date.UTC(2026, 11, 3) / 1000]);
    expect(charts[0].series).toEqual([{ label: "vcpus", values: [4, 1, 0] }]);
    expect(charts[1].series[0].values).toEqual([0, 10, 0]);
  });

  it("writes CSV with quoting", () => {
    const csv = usageCsv([{ ...hour("2026-12-01T10:00:00+00:00", "instance", 'a,"b"', 3) }]);
    expect(csv.split("\n")[0]).toBe("hour,resource_type,resource_id,metric,unit,value,samples");
    expect(csv).toContain('"a,""b"""');
  });
});
