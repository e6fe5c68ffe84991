// Query-cache moves the panels share: leaving a session, and forgetting a
// resource just deleted (its own queries are not read again, which would
// only answer 404; the lists it was in are).
import type { QueryClient, QueryKey } from "@tanstack/react-query";

/** Drops the session and everything read under it. */
export function leaveSession(qc: QueryClient) {
  qc.setQueryData(["session"], null);
  qc.removeQueries({ predicate: (q) => q.queryKey[0] !== "session" });
}

function startsWith(key: QueryKey, prefix: QueryKey): boolean {
  return prefix.every((part, i) => key[i] === part);
}

/** After a delete: removes the queries under `detail`, lets the page leave
 * (`leave`, e.g. navigate away: a page still showing the resource would
 * read it again on its next render), then reads those under `list` again. */
export function forgetDeleted(qc: QueryClient, detail: QueryKey, list: QueryKey, leave: () => void = () => {}) {
  qc.removeQueries({ queryKey: detail });
  leave();
  qc.invalidateQueries({ queryKey: list, predicate: (q) => !startsWith(q.queryKey, detail) });
}
