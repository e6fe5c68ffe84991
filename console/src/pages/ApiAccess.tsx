// API access: the catalog's endpoints, and a clouds.yaml for the
// openstack CLI, openstacksdk and Terraform (no password in it).
import { useSession } from "../session";
import { download } from "../format";

export function cloudsYaml(s: ReturnType<typeof useSession>): string {
  const auth = s.endpoints.identity?.url ?? "";
  return [
    "clouds:",
    `  ${s.project.name}:`,
    "    auth:",
    `      auth_url: ${auth}`,
    `      username: ${s.user.name}`,
    `      project_name: ${s.project.name}`,
    `      project_id: ${s.project.id}`,
    `      user_domain_name: ${s.user.domain}`,
    "      project_domain_name: Default",
    "    region_name: RegionOne",
    "    interface: public",
    "    identity_api_version: 3",
    "",
  ].join("\n");
}

export function ApiAccess() {
  const s = useSession();
  const yaml = cloudsYaml(s);
  return (
    <section>
      <h1>API access</h1>
      <table>
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Endpoint</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(s.endpoints).map(([name, e]) => (
            <tr key={name}>
              <td>{name}</td>
              <td>
                <code>{e.url}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>clouds.yaml</h2>
      <p>
        For the <code>openstack</code> CLI, openstacksdk and the Terraform provider. It holds no password: the CLI asks for it, or set{" "}
        <code>OS_PASSWORD</code>.
      </p>
      <pre className="key" aria-label="clouds.yaml" tabIndex={0}>
        {yaml}
      </pre>
      <button type="button" onClick={() => download("clouds.yaml", yaml, "application/yaml")}>
        Download clouds.yaml
      </button>
    </section>
  );
}
