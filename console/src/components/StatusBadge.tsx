// A resource's status, coloured by what it means; transitional states
// (BUILD, REBOOT, deleting, ...) pulse and say so to screen readers.
const GOOD = new Set(["ACTIVE", "available", "active", "in-use", "UP", "enabled", "up"]);
const BAD = new Set(["ERROR", "error", "DOWN", "down", "killed", "error_deleting", "disabled"]);
const IDLE = new Set(["SHUTOFF", "deactivated", "VERIFY_RESIZE", "SUSPENDED", "PAUSED"]);

export function isTransitional(status: string | null | undefined, taskState?: string | null): boolean {
  if (taskState) return true;
  if (!status) return false;
  return !GOOD.has(status) && !BAD.has(status) && !IDLE.has(status);
}

export function StatusBadge({ status, taskState }: { status: string; taskState?: string | null }) {
  const busy = isTransitional(status, taskState);
  const tone = busy ? "busy" : GOOD.has(status) ? "good" : BAD.has(status) ? "bad" : "idle";
  return (
    <span className={`badge ${tone}`} data-status={status}>
      {busy && <span className="spinner" aria-hidden="true" />}
      {status}
      {taskState ? ` (${taskState})` : ""}
    </span>
  );
}
