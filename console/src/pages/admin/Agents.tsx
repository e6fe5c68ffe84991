// Host agents (compute, network, storage): each one's host, version, last
// heartbeat and whether it is alive, as the console hears their heartbeats
// on the bus. Read every 5 s.
import { useQuery } from "@tanstack/react-query";
import { agentList } from "../../api/session";
import { ErrorNote } from "../../components/ErrorNote";
import { StatusBadge } from "../../components/StatusBadge";
import { ago } from "../../format";

export function Agents() {
  const agents = useQuery({ queryKey: ["console", "agents"], queryFn: agentList, refetchInterval: 5_000 });
  return (
    <section>
      <h1>Agents</h1>
      <p className="muted">An agent is down when it has missed three of its heartbeats. The list starts when the console does: an agent shows at its next heartbeat.</p>
      <ErrorNote error={agents.error} />
      <table aria-label="Agents">
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Host</th>
            <th scope="col">Version</th>
            <th scope="col">State</th>
            <th scope="col">Last heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {(agents.data ?? []).map((a) => (
            <tr key={`${a.kind}/${a.host}`}>
              <td>{a.kind}</td>
              <td>{a.host}</td>
              <td>{a.version}</td>
              <td>
                <StatusBadge status={a.alive ? "up" : "down"} />
              </td>
              <td title={a.last_heartbeat}>
                {ago(a.last_heartbeat)} (every {a.interval_s} s)
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {agents.data?.length === 0 && <p>No heartbeat heard yet.</p>}
    </section>
  );
}
