// Security groups and their rules: create and delete groups, add rules
// (direction, protocol, ports, remote prefix or group), delete rules.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { network, unwrap, type Network } from "../api/client";
import { securityGroupsQuery, type SecurityGroup } from "../api/queries";
import { ErrorNote } from "../components/ErrorNote";
import { Field } from "../components/Field";
import { cidrProblem } from "./Networks";

type Rule = Network["schemas"]["SecurityGroupRule"];

export interface RuleForm {
  direction: "ingress" | "egress";
  protocol: string;
  ports: string;
  remote: string;
}

/** The rule to send, or what is wrong with the form. */
export function ruleBody(groupId: string, f: RuleForm): Network["schemas"]["SecurityGroupRuleCreate"] | string {
  const body: Network["schemas"]["SecurityGroupRuleCreate"] = { security_group_id: groupId, direction: f.direction, ethertype: "IPv4" };
  if (f.protocol) body.protocol = f.protocol;
  if (f.ports.trim()) {
    if (f.protocol !== "tcp" && f.protocol !== "udp") return "Ports need TCP or UDP.";
    const m = f.ports.trim().match(/^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/);
    if (!m) return "Ports are a number or a range like 8000-8080.";
    const lo = Number(m[1]);
    const hi = Number(m[2] ?? m[1]);
    if (lo < 1 || hi > 65535 || lo > hi) return "Ports run from 1 to 65535, low to high.";
    body.port_range_min = lo;
    body.port_range_max = hi;
  }
  if (f.remote.trim()) {
    const problem = cidrProblem(f.remote);
    if (problem) return problem;
    body.remote_ip_prefix = f.remote.trim();
    if (f.remote.includes(":")) body.ethertype = "IPv6";
  }
  return body;
}

export function SecurityGroups() {
  const qc = useQueryClient();
  const groups = useQuery(securityGroupsQuery());
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => unwrap(network.POST("/v2.0/security-groups", { body: { security_group: { name: name.trim() } } })),
    onSuccess: () => {
      setName("");
      qc.invalidateQueries({ queryKey: ["network", "security-groups"] });
    },
  });
  return (
    <section>
      <h1>Security groups</h1>
      <form
        className="inline-form"
        aria-label="Create security group"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) create.mutate();
        }}
      >
        <Field label="New group name">
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <button type="submit" className="primary" disabled={!name.trim() || create.isPending}>
          Create group
        </button>
        <ErrorNote error={create.error} />
      </form>
      <ErrorNote error={groups.error} />
      {(groups.data ?? []).map((g) => (
        <GroupCard key={g.id} g={g} />
      ))}
    </section>
  );
}

function describe(r: Rule): string {
  const proto = r.protocol ?? "any";
  const ports = r.port_range_min == null ? "" : r.port_range_min === r.port_range_max ? ` ${r.port_range_min}` : ` ${r.port_range_min}-${r.port_range_max}`;
  const remote = r.remote_ip_prefix ?? (r.remote_group_id ? `group ${r.remote_group_id.slice(0, 8)}` : "anywhere");
  return `${r.direction} ${r.ethertype} ${proto}${ports} ${r.direction === "ingress" ? "from" : "to"} ${remote}`;
}

function GroupCard({ g }: { g: SecurityGroup }) {
  const qc = useQueryClient();
  const [f, setF] = useState<RuleForm>({ direction: "ingress", protocol: "tcp", ports: "", remote: "" });
  const [problem, setProblem] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: ["network", "security-groups"] });
  const add = useMutation({
    mutationFn: (body: Network["schemas"]["SecurityGroupRuleCreate"]) =>
      unwrap(network.POST("/v2.0/security-group-rules", { body: { security_group_rule: body } })),
    onSuccess: () => {
      setF({ ...f, ports: "", remote: "" });
      refresh();
    },
  });
  const delRule = useMutation({
    mutationFn: (rule_id: string) => unwrap(network.DELETE("/v2.0/security-group-rules/{rule_id}", { params: { path: { rule_id } } })),
    onSuccess: refresh,
  });
  const del = useMutation({
    mutationFn: () =>
      unwrap(network.DELETE("/v2.0/security-groups/{security_group_id}", { params: { path: { security_group_id: g.id } } })),
    onSuccess: refresh,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = ruleBody(g.id, f);
    if (typeof body === "string") return setProblem(body);
    setProblem(null);
    add.mutate(body);
  };
  return (
    <article className="card group" aria-label={`Security group ${g.name}`}>
      <div className="page-head">
        <h2>{g.name}</h2>
        <span className="muted">{g.description}</span>
        <span className="spacer" />
        {g.name !== "default" && (
          <button type="button" className="danger" onClick={() => del.mutate()} aria-label={`Delete group ${g.name}`}>
            Delete group
          </button>
        )}
      </div>
      <ErrorNote error={del.error} />
      <ul className="rules">
        {g.security_group_rules.map((r) => (
          <li key={r.id}>
            <code>{describe(r)}</code>{" "}
            <button type="button" className="ghost danger" onClick={() => delRule.mutate(r.id)} aria-label={`Delete rule ${describe(r)}`}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      <ErrorNote error={delRule.error} />
      <form className="inline-form" onSubmit={submit} noValidate aria-label={`Add rule to ${g.name}`}>
        <Field label="Direction">
          <select value={f.direction} onChange={(e) => setF({ ...f, direction: e.target.value as RuleForm["direction"] })}>
            <option>ingress</option>
            <option>egress</option>
          </select>
        </Field>
        <Field label="Protocol">
          <select value={f.protocol} onChange={(e) => setF({ ...f, protocol: e.target.value })}>
            <option value="tcp">tcp</option>
            <option value="udp">udp</option>
            <option value="icmp">icmp</option>
            <option value="">any</option>
          </select>
        </Field>
        <Field label="Ports">
          <input value={f.ports} onChange={(e) => setF({ ...f, ports: e.target.value })} placeholder="22 or 8000-8080" />
        </Field>
        <Field label="Remote CIDR">
          <input value={f.remote} onChange={(e) => setF({ ...f, remote: e.target.value })} placeholder="0.0.0.0/0" />
        </Field>
        <button type="submit" disabled={add.isPending}>
          Add rule
        </button>
        <ErrorNote error={problem ?? add.error} />
      </form>
    </article>
  );
}
