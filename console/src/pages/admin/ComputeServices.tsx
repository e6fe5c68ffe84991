// Compute services: each host's service, its state and last heartbeat,
// and enabling or disabling it for new instances (with a reason).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { compute, unwrap, type Compute } from "../../api/client";
import { ErrorNote } from "../../components/ErrorNote";
import { StatusBadge } from "../../components/StatusBadge";
import { ago } from "../../format";

type Service = Compute["schemas"]["Service"];

export function ComputeServices() {
  const qc = useQueryClient();
  const services = useQuery({
    queryKey: ["compute", "services"],
    queryFn: async () => (await unwrap(compute.GET("/v2.1/os-services", {}))).services,
    refetchInterval: 5_000,
  });
  const toggle = useMutation({
    mutationFn: (s: Service) =>
      unwrap(
        compute.PUT("/v2.1/os-services/{action}", {
          params: { path: { action: s.status === "enabled" ? "disable-log-reason" : "enable" } },
          body: {
            host: s.host,
            binary: s.binary,
            ...(s.status === "enabled" ? { disabled_reason: "disabled from the console" } : {}),
          },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["compute"] }),
  });
  return (
    <section>
      <h1>Compute services</h1>
      <ErrorNote error={services.error ?? toggle.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Service</th>
            <th scope="col">Zone</th>
            <th scope="col">State</th>
            <th scope="col">Status</th>
            <th scope="col">Last heartbeat</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(services.data ?? []).map((s) => (
            <tr key={s.id}>
              <td>{s.host}</td>
              <td>{s.binary}</td>
              <td>{s.zone}</td>
              <td>
                <StatusBadge status={s.state} />
              </td>
              <td>
                <StatusBadge status={s.status} />
                {s.disabled_reason ? <span className="muted"> — {s.disabled_reason}</span> : null}
              </td>
              <td>{ago(s.updated_at)}</td>
              <td>
                <button type="button" disabled={toggle.isPending} onClick={() => toggle.mutate(s)}>
                  {s.status === "enabled" ? `Disable ${s.host}` : `Enable ${s.host}`}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
