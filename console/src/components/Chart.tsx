// A bar chart of daily series (uPlot on a canvas), sized to its box and
// redrawn when the data or the theme changes. Its numbers are also in a
// table beside it for screen readers.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const COLORS = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2"];

export function BarChart({ title, days, series }: { title: string; days: number[]; series: { label: string; values: number[] }[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || days.length === 0) return;
    const text = getComputedStyle(document.documentElement).getPropertyValue("--text").trim() || "#222";
    const grid = getComputedStyle(document.documentElement).getPropertyValue("--border").trim() || "#ddd";
    const axis = { stroke: text, grid: { stroke: grid }, ticks: { stroke: grid } };
    const bars = uPlot.paths.bars!({ size: [0.7, 60], gap: 2 });
    const plot = new uPlot(
      {
        width: Math.max(el.clientWidth, 300),
        height: 220,
        scales: { x: { time: true } },
        axes: [axis, { ...axis, size: 80 }],
        series: [
          {},
          ...series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], fill: `${COLORS[i % COLORS.length]}99`, paths: bars })),
        ],
      },
      [days, ...series.map((s) => s.values)],
      el,
    );
    return () => plot.destroy();
  }, [days, series]);
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-box" aria-hidden="true" />
      <table className="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {series.map((s) => (
              <th key={s.label} scope="col">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {days.map((d, i) => (
            <tr key={d}>
              <td>{new Date(d * 1000).toISOString().slice(0, 10)}</td>
              {series.map((s) => (
                <td key={s.label}>{s.values[i]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
