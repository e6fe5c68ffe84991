// Hypervisors: each compute host's capacity (vCPU, RAM, disk used of
// total), its state and status, and the instances it runs.
import { useQuery } from "@tanstack/react-query";
import { compute, unwrap } from "../../api/client";
import { CapacityBar } from "../../components/CapacityBar";
import { ErrorNote } from "../../components/ErrorNote";
import { StatusBadge } from "../../components/StatusBadge";

export function Hypervisors() {
  const hv = useQuery({
    queryKey: ["compute", "hypervisors"],
    queryFn: async () => (await unwrap(compute.GET("/v2.1/os-hypervisors/detail", {}))).hypervisors,
    refetchInterval: 5_000,
  });
  return (
    <section>
      <h1>Hypervisors</h1>
      <ErrorNote error={hv.error} />
      <div className="cards">
        {(hv.data ?? []).map((h) => (
          <article key={h.id} className="card" aria-label={`Hypervisor ${h.hypervisor_hostname}`}>
            <h2>
              {h.hypervisor_hostname} <StatusBadge status={h.state} /> <StatusBadge status={h.status} />
            </h2>
            <p className="muted">
              {h.hypervisor_type} · {h.host_ip} · {h.running_vms} instances
            </p>
            <CapacityBar label="vCPUs" used={h.vcpus_used} total={h.vcpus} />
            <CapacityBar label="RAM" used={h.memory_mb_used / 1024} total={h.memory_mb / 1024} unit=" GiB" />
            <CapacityBar label="Disk" used={h.local_gb_used} total={h.local_gb} unit=" GB" />
          </article>
        ))}
      </div>
    </section>
  );
}
