// The app: the login page until there is a session, then the layout with
// every panel at a deep-linkable path.
import { leaveSession } from "./api/cache";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect } from "react";
import { Route, Routes } from "react-router";
import { ApiError } from "./api/client";
import { getSession } from "./api/session";
import { Layout } from "./components/Layout";
import { SessionContext } from "./session";
import { useLiveEvents } from "./live";
import { Login } from "./pages/Login";
import { Overview } from "./pages/Overview";
import { Instances } from "./pages/Instances";
import { InstanceDetail } from "./pages/InstanceDetail";
import { LaunchInstance } from "./pages/LaunchInstance";
import { Networks } from "./pages/Networks";
import { NetworkDetail } from "./pages/NetworkDetail";
import { Volumes } from "./pages/Volumes";
import { Images } from "./pages/Images";
import { FloatingIps } from "./pages/FloatingIps";
import { Routers } from "./pages/Routers";
import { SecurityGroups } from "./pages/SecurityGroups";
import { KeyPairs } from "./pages/KeyPairs";
import { ApiAccess } from "./pages/ApiAccess";

// The topology's graph layout (dagre) loads only when it is opened.
const Usage = lazy(() => import("./pages/Usage").then((m) => ({ default: m.Usage })));
const Topology = lazy(() => import("./pages/Topology").then((m) => ({ default: m.Topology })));
import { Hypervisors } from "./pages/admin/Hypervisors";
import { ComputeServices } from "./pages/admin/ComputeServices";
import { Agents } from "./pages/admin/Agents";
import { Flavors } from "./pages/admin/Flavors";
import { Groups, Projects, RoleAssignments, Users } from "./pages/admin/Identity";
import { Quotas } from "./pages/admin/Quotas";
import { Billing } from "./pages/admin/Billing";
import { AllInstances, AllNetworks, AllVolumes } from "./pages/admin/AllProjects";
import { AdminOnly, NotFound } from "./pages/Errors";

export function App() {
  const qc = useQueryClient();
  const session = useQuery({ queryKey: ["session"], queryFn: getSession, staleTime: 60_000 });
  useLiveEvents(session.data != null);
  useEffect(() => {
    // Any API's 401: the session ended elsewhere (logout in another tab,
    // revocation, expiry).
    const out = () => leaveSession(qc);
    window.addEventListener("stratus:logged-out", out);
    return () => window.removeEventListener("stratus:logged-out", out);
  }, [qc]);

  if (session.isPending) return <p className="loading">Loading…</p>;
  const loggedOut = session.data == null || (session.error instanceof ApiError && session.error.status === 401);
  if (loggedOut) return <Login />;
  if (session.isError) return <p role="alert">The console cannot reach identity: {session.error.message}</p>;
  const s = session.data!;
  return (
    <SessionContext.Provider value={s}>
      <Layout>
        <Routes>
          <Route path="/" element={<Overview />} />
          <Route path="/instances" element={<Instances />} />
          <Route path="/instances/new" element={<LaunchInstance />} />
          <Route path="/instances/:id" element={<InstanceDetail />} />
          <Route path="/networks" element={<Networks />} />
          <Route path="/networks/:id" element={<NetworkDetail />} />
          <Route path="/volumes" element={<Volumes />} />
          <Route path="/images" element={<Images />} />
          <Route path="/floating-ips" element={<FloatingIps />} />
          <Route path="/routers" element={<Routers />} />
          <Route path="/security-groups" element={<SecurityGroups />} />
          <Route path="/key-pairs" element={<KeyPairs />} />
          <Route path="/api-access" element={<ApiAccess />} />
          <Route
            path="/usage"
            element={
              <Suspense fallback={<p className="loading">Loading…</p>}>
                <Usage />
              </Suspense>
            }
          />
          <Route
            path="/topology"
            element={
              <Suspense fallback={<p className="loading">Loading…</p>}>
                <Topology />
              </Suspense>
            }
          />
          <Route path="/admin/*" element={s.admin ? <AdminRoutes /> : <AdminOnly />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Layout>
    </SessionContext.Provider>
  );
}

function AdminRoutes() {
  return (
    <Routes>
      <Route path="hypervisors" element={<Hypervisors />} />
      <Route path="services" element={<ComputeServices />} />
      <Route path="agents" element={<Agents />} />
      <Route path="flavors" element={<Flavors />} />
      <Route path="projects" element={<Projects />} />
      <Route path="users" element={<Users />} />
      <Route path="groups" element={<Groups />} />
      <Route path="role-assignments" element={<RoleAssignments />} />
      <Route path="quotas" element={<Quotas />} />
      <Route path="billing" element={<Billing />} />
      <Route path="instances" element={<AllInstances />} />
      <Route path="volumes" element={<AllVolumes />} />
      <Route path="networks" element={<AllNetworks />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
