// Used against total as a bar (a <meter> for assistive technology).
export function CapacityBar({
  label,
  used,
  total,
  unit = "",
}: {
  label: string;
  used: number;
  total: number | null;
  unit?: string;
}) {
  const unlimited = total == null || total < 0;
  const pct = unlimited || total === 0 ? 0 : Math.min(100, Math.round((used / total) * 100));
  const tone = pct >= 90 ? "bad" : pct >= 70 ? "warn" : "good";
  return (
    <div className="capacity">
      <div className="capacity-label">
        <span>{label}</span>
        <span>
          {fmt(used)}
          {unit} / {unlimited ? "∞" : `${fmt(total)}${unit}`}
        </span>
      </div>
      <meter
        className={`bar ${tone}`}
        min={0}
        max={unlimited ? Math.max(used, 1) : Math.max(total, 1)}
        value={used}
        aria-label={label}
      />
    </div>
  );
}

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString("en") : n.toFixed(1);
}
