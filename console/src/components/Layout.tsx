// The frame of every page: the navigation (admin panels only for admins),
// the project switcher, the theme toggle and logout.
import { leaveSession } from "../api/cache";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { NavLink, useNavigate } from "react-router";
import { logout, switchProject } from "../api/session";
import { useSession } from "../session";
import { initialTheme, saveTheme, type Theme } from "../theme";
import { useLive } from "../live";
import { ErrorNote } from "./ErrorNote";
import { Palette } from "./Palette";

export const PROJECT_NAV: [string, string][] = [
  ["/", "Overview"],
  ["/instances", "Instances"],
  ["/images", "Images"],
  ["/volumes", "Volumes"],
  ["/networks", "Networks"],
  ["/topology", "Topology"],
  ["/routers", "Routers"],
  ["/floating-ips", "Floating IPs"],
  ["/security-groups", "Security groups"],
  ["/key-pairs", "Key pairs"],
  ["/usage", "Usage"],
  ["/api-access", "API access"],
];

export const ADMIN_NAV: [string, string][] = [
  ["/admin/hypervisors", "Hypervisors"],
  ["/admin/services", "Compute services"],
  ["/admin/agents", "Agents"],
  ["/admin/instances", "All instances"],
  ["/admin/volumes", "All volumes"],
  ["/admin/networks", "All networks"],
  ["/admin/flavors", "Flavors"],
  ["/admin/projects", "Projects"],
  ["/admin/users", "Users"],
  ["/admin/groups", "Groups"],
  ["/admin/role-assignments", "Role assignments"],
  ["/admin/quotas", "Quotas"],
  ["/admin/billing", "Billing"],
];

export function Layout({ children }: { children: ReactNode }) {
  const session = useSession();
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Panels">
        <div className="brand">Stratus</div>
        <NavGroup title="Project" items={PROJECT_NAV} />
        {session.admin && <NavGroup title="Admin" items={ADMIN_NAV} />}
      </nav>
      <div className="main-col">
        <TopBar />
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}

function NavGroup({ title, items }: { title: string; items: [string, string][] }) {
  return (
    <div className="nav-group">
      <h2>{title}</h2>
      <ul>
        {items.map(([to, label]) => (
          <li key={to}>
            <NavLink to={to} end={to === "/"}>
              {label}
            </NavLink>
          </li>
        ))}
      </ul>
    </div>
  );
}

function TopBar() {
  const session = useSession();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [theme, setTheme] = useState<Theme>(initialTheme());
  const switcher = useMutation({
    mutationFn: switchProject,
    onSuccess: (s) => {
      qc.setQueryData(["session"], s);
      // Everything else was the other project's: read again, as this one.
      qc.resetQueries({ predicate: (q) => q.queryKey[0] !== "session" });
      navigate("/");
    },
  });
  const out = useMutation({
    mutationFn: logout,
    // The page leaves the session first (no request of it is in flight or
    // made while the token is revoked), then the console revokes it.
    onMutate: async () => {
      await qc.cancelQueries();
      leaveSession(qc);
      navigate("/");
    },
  });
  return (
    <header className="topbar">
      <label className="project-switch">
        <span>Project</span>
        <select
          value={session.project.id}
          onChange={(e) => switcher.mutate(e.target.value)}
          disabled={switcher.isPending}
        >
          {session.projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <ErrorNote error={switcher.error} />
      <span className="spacer" />
      <Palette />
      <LiveDot />
      <button
        type="button"
        className="ghost"
        onClick={() => {
          const next = theme === "dark" ? "light" : "dark";
          saveTheme(next);
          setTheme(next);
        }}
        aria-label={`Switch to the ${theme === "dark" ? "light" : "dark"} theme`}
      >
        {theme === "dark" ? "☀ Light" : "☾ Dark"}
      </button>
      <span className="who">
        {session.user.name}
        {session.admin ? " (admin)" : ""}
      </span>
      <button type="button" onClick={() => out.mutate()} disabled={out.isPending}>
        Log out
      </button>
    </header>
  );
}

function LiveDot() {
  const live = useLive();
  return (
    <span className={live ? "live on" : "live"} role="status" title={live ? "Changes show as they happen" : "Reconnecting; polling meanwhile"}>
      {live ? "● Live" : "○ Polling"}
    </span>
  );
}
