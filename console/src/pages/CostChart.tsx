// The overview's daily cost bars (loaded on demand: the chart library stays
// out of the first load).
import { BarChart } from "../components/Chart";

export interface CostDay {
  day: string;
  by_type: Record<string, number>;
}

export function CostChart({ days, currency }: { days: CostDay[]; currency: string }) {
  const types = [...new Set(days.flatMap((d) => Object.keys(d.by_type)))].sort();
  const xs = days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000);
  const series = types.map((t) => ({ label: `${t} (${currency})`, values: days.map((d) => (d.by_type[t] ?? 0) / 100) }));
  return <BarChart title="Cost by day" days={xs} series={series} />;
}

export default CostChart;
