// Usage hours into charts and CSV (kept apart from the chart library so it
// is testable without a canvas).
import type { Metering } from "../api/client";

type Hour = Metering["schemas"]["UsageHour"];

export interface TypeChart {
  type: string;
  days: number[];
  series: { label: string; values: number[] }[];
}

/** Usage hours grouped by resource type and unit (one scale a chart),
 * summed per metric and UTC day. */
export function byTypeAndDay(hours: Hour[], from: Date, days: number): TypeChart[] {
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()) / 1000;
  const axis = Array.from({ length: days }, (_, i) => start + i * 86400);
  const types = new Map<string, Map<string, number[]>>();
  for (const h of hours) {
    const day = Math.floor((Date.parse(h.hour) / 1000 - start) / 86400);
    if (day < 0 || day >= days) continue;
    const group = `${h.resource_type} (${h.unit})`;
    const metrics = types.get(group) ?? new Map<string, number[]>();
    types.set(group, metrics);
    const label = h.metric;
    const values = metrics.get(label) ?? new Array<number>(days).fill(0);
    metrics.set(label, values);
    values[day] += h.value;
  }
  return [...types.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, metrics]) => ({ type, days: axis, series: [...metrics.entries()].map(([label, values]) => ({ label, values })) }));
}

export function usageCsv(hours: Hour[]): string {
  const head = "hour,resource_type,resource_id,metric,unit,value,samples";
  const esc = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [head, ...hours.map((h) => [h.hour, h.resource_type, h.resource_id, h.metric, h.unit, String(h.value), String(h.samples)].map(esc).join(","))].join("\n") + "\n";
}

