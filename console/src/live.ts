// The live feed: the console's /events stream (server-sent events fed from
// the bus) invalidates the queries of whatever changed, so a change made
// anywhere (the CLI, Terraform, another tab) shows within a moment. While
// the stream is down, lists fall back to polling (see api/queries.ts).
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useSyncExternalStore } from "react";

let live = false;
const listeners = new Set<() => void>();

function setLive(v: boolean) {
  if (live === v) return;
  live = v;
  listeners.forEach((l) => l());
}

/** Whether the live stream is connected right now. */
export function isLive(): boolean {
  return live;
}

export function useLive(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => live,
  );
}

export interface Change {
  service: string;
  kind: string;
  id?: string | null;
}

/** What else a change makes stale, beyond its own collection. */
const ALSO: Record<string, [string, string][]> = {
  "compute/servers": [
    ["compute", "limits"],
    ["network", "ports"],
    ["network", "floatingips"],
    ["volume", "volumes"],
  ],
  "network/networks": [["network", "quota"]],
  "network/ports": [["network", "quota"]],
  "network/floatingips": [["network", "quota"], ["compute", "servers"]],
  "network/routers": [["network", "quota"], ["network", "ports"]],
  "volume/volumes": [["volume", "limits"], ["compute", "servers"]],
  "volume/snapshots": [["volume", "limits"]],
};

/** The query-key prefixes a change makes stale. */
export function staleKeys(c: Change): [string, string][] {
  return [[c.service, c.kind], ...(ALSO[`${c.service}/${c.kind}`] ?? [])];
}

function invalidate(qc: QueryClient, changes: Change[]) {
  const keys = new Map<string, [string, string]>();
  for (const c of changes) for (const k of staleKeys(c)) keys.set(k.join("/"), k);
  // Every change may be someone's action: the overview's list of them.
  if (changes.length > 0) keys.set("console/recent", ["console", "recent"]);
  for (const key of keys.values()) qc.invalidateQueries({ queryKey: key });
}

/** Follows /events while `enabled` (a session exists). */
export function useLiveEvents(enabled: boolean) {
  const qc = useQueryClient();
  useEffect(() => {
    if (!enabled || typeof EventSource === "undefined") return;
    const es = new EventSource("/events");
    let pending: Change[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    es.addEventListener("ready", () => setLive(true));
    es.addEventListener("change", (m) => {
      try {
        pending.push(JSON.parse((m as MessageEvent<string>).data) as Change);
      } catch {
        return;
      }
      // Changes come in bursts (a server build): read again once per burst.
      timer ??= setTimeout(() => {
        const batch = pending;
        pending = [];
        timer = undefined;
        invalidate(qc, batch);
      }, 150);
    });
    es.addEventListener("resync", () => qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "session" }));
    es.onerror = () => setLive(false);
    return () => {
      es.close();
      if (timer) clearTimeout(timer);
      setLive(false);
    };
  }, [enabled, qc]);
}
