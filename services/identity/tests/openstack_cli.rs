//! Acceptance with the real `openstack` CLI against a live identity service:
//! tokens, the catalog, domains, projects and users. Outputs are checked, not
//! just exit codes.

mod common;

use common::{Identity, clouds_yaml, start_identity, test_config};
use std::path::PathBuf;
use stratus_test_support::TempDir;
use stratus_test_support::clients::{Openstack, openstack_cli};

/// A live identity (admin password `cli-secret`), a clouds.yaml with the
/// admin as cloud `test` plus `users` (cloud name, user, password, project),
/// and the CLI; `None` where the CLI is not installed.
struct Session {
    identity: Identity,
    cli: PathBuf,
    clouds: PathBuf,
    _dir: TempDir,
}

impl Session {
    async fn start(users: &[(&str, &str, &str, Option<&str>)]) -> Option<Self> {
        let cli = openstack_cli()?;
        let identity = start_identity(test_config(), "cli-secret", None, None).await;
        let dir = TempDir::new("stratus-osc");
        let mut clouds = vec![("test", "admin", "cli-secret", Some("admin"))];
        clouds.extend_from_slice(users);
        let clouds = clouds_yaml(&dir.path, identity.server.addr.port(), &clouds);
        Some(Self {
            identity,
            cli,
            clouds,
            _dir: dir,
        })
    }

    /// The CLI as one of the clouds.
    fn cloud(&self, name: &str) -> Openstack {
        Openstack::new(self.cli.clone(), self.clouds.clone(), name)
    }
}

#[tokio::test]
async fn openstack_token_issue_catalog_and_revoke() {
    let Some(session) = Session::start(&[]).await else {
        return;
    };
    let identity = &session.identity;
    let (app, db, port) = (&identity.app, &identity.db, identity.server.addr.port());
    let osc = session.cloud("test");

    let (token, catalog, identity) = tokio::task::spawn_blocking(move || {
        let token = osc.json(&["token", "issue"]);
        let catalog = osc.json(&["catalog", "list"]);
        let identity = osc.json(&["catalog", "show", "identity"]);
        let id = token["id"].as_str().expect("token id").to_owned();
        let revoke = osc.run(&["token", "revoke", &id]);
        assert!(
            revoke.status.success(),
            "{}",
            String::from_utf8_lossy(&revoke.stderr)
        );
        (token, catalog, identity)
    })
    .await
    .expect("client");

    let admin_project: String = sqlx::query_scalar("SELECT id FROM projects WHERE name = 'admin'")
        .fetch_one(&db.pool)
        .await
        .expect("query");
    let admin_user: String = sqlx::query_scalar("SELECT id FROM users WHERE name = 'admin'")
        .fetch_one(&db.pool)
        .await
        .expect("query");
    assert_eq!(token["project_id"], admin_project.as_str());
    assert_eq!(token["user_id"], admin_user.as_str());
    assert!(
        token["expires"]
            .as_str()
            .is_some_and(|e| e.starts_with("20"))
    );

    let types: Vec<&str> = catalog
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["Type"].as_str())
        .collect();
    for t in [
        "identity",
        "compute",
        "network",
        "image",
        "block-storage",
        "volumev3",
        "metering",
    ] {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
    let urls: Vec<&str> = identity["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .filter_map(|e| e["url"].as_str())
        .collect();
    assert_eq!(urls.len(), 3);
    assert!(
        urls.iter()
            .all(|u| *u == format!("http://127.0.0.1:{port}/v3")),
        "{urls:?}"
    );

    // The revoked token no longer validates.
    let revoked = token["id"].as_str().expect("id");
    assert!(app.validate(revoked).await.is_err());
}

#[tokio::test]
async fn openstack_project_user_and_domain_commands() {
    let Some(session) = Session::start(&[("demo-user", "demo-user", "pw-two", None)]).await else {
        return;
    };
    let osc = session.cloud("test");
    let as_demo = session.cloud("demo-user");

    tokio::task::spawn_blocking(move || {
        // Domains.
        let d = osc.json(&["domain", "create", "--description", "for tests", "dom1"]);
        assert_eq!(d["name"], "dom1");
        assert_eq!(d["enabled"], true);
        let domains = osc.json(&["domain", "list"]);
        let names: Vec<&str> = domains
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|d| d["Name"].as_str())
            .collect();
        assert!(
            names.contains(&"Default") && names.contains(&"dom1"),
            "{names:?}"
        );

        // Projects.
        let p = osc.json(&[
            "project",
            "create",
            "--domain",
            "default",
            "--description",
            "demo project",
            "demo",
        ]);
        assert_eq!(p["name"], "demo");
        assert_eq!(p["description"], "demo project");
        assert_eq!(p["domain_id"], "default");
        let shown = osc.json(&["project", "show", "demo"]);
        assert_eq!(shown["id"], p["id"]);
        let listed = osc.json(&["project", "list"]);
        assert!(
            listed
                .as_array()
                .expect("list")
                .iter()
                .any(|x| x["Name"] == "demo")
        );
        let set = osc.run(&["project", "set", "--disable", "demo"]);
        assert!(
            set.status.success(),
            "{}",
            String::from_utf8_lossy(&set.stderr)
        );
        assert_eq!(osc.json(&["project", "show", "demo"])["enabled"], false);
        let dup = osc.run(&["project", "create", "--domain", "default", "demo"]);
        assert!(!dup.status.success(), "a duplicate name is refused");
        assert!(
            String::from_utf8_lossy(&dup.stderr).contains("409"),
            "{}",
            String::from_utf8_lossy(&dup.stderr)
        );

        // Users.
        let u = osc.json(&[
            "user",
            "create",
            "--domain",
            "default",
            "--password",
            "pw-one",
            "demo-user",
        ]);
        assert_eq!(u["name"], "demo-user");
        assert_eq!(u["enabled"], true);
        let users = osc.json(&["user", "list"]);
        let names: Vec<&str> = users
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|u| u["Name"].as_str())
            .collect();
        assert!(
            names.contains(&"admin") && names.contains(&"demo-user"),
            "{names:?}"
        );
        let set = osc.run(&["user", "set", "--password", "pw-two", "demo-user"]);
        assert!(
            set.status.success(),
            "{}",
            String::from_utf8_lossy(&set.stderr)
        );
        // The new password works (an unscoped token for the user itself).
        let t = as_demo.json(&["token", "issue"]);
        assert_eq!(t["user_id"], u["id"]);
        let del = osc.run(&["user", "delete", "demo-user"]);
        assert!(
            del.status.success(),
            "{}",
            String::from_utf8_lossy(&del.stderr)
        );
        let gone = osc.run(&["user", "show", "demo-user"]);
        assert!(!gone.status.success());

        let del = osc.run(&["project", "delete", "demo"]);
        assert!(
            del.status.success(),
            "{}",
            String::from_utf8_lossy(&del.stderr)
        );
        assert!(
            !osc.json(&["project", "list"])
                .as_array()
                .expect("list")
                .iter()
                .any(|x| x["Name"] == "demo")
        );
    })
    .await
    .expect("client");
}

#[tokio::test]
async fn openstack_role_add_remove_and_assignment_list() {
    let Some(session) = Session::start(&[("bob", "bob", "bob-pw", Some("team"))]).await else {
        return;
    };
    let osc = session.cloud("test");
    let as_bob = session.cloud("bob");
    tokio::task::spawn_blocking(move || {
        osc.json(&["project", "create", "--domain", "default", "team"]);
        osc.json(&[
            "user",
            "create",
            "--domain",
            "default",
            "--password",
            "bob-pw",
            "bob",
        ]);
        let role = osc.json(&["role", "create", "auditor"]);
        assert_eq!(role["name"], "auditor");
        let roles = osc.json(&["role", "list"]);
        let names: Vec<&str> = roles
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|r| r["Name"].as_str())
            .collect();
        for r in ["admin", "member", "reader", "auditor"] {
            assert!(names.contains(&r), "{r} missing from {names:?}");
        }

        // Without a role bob cannot scope to the project.
        assert!(!as_bob.run(&["token", "issue"]).status.success());
        let add = osc.run(&[
            "role",
            "add",
            "--project",
            "team",
            "--user",
            "bob",
            "member",
        ]);
        assert!(
            add.status.success(),
            "{}",
            String::from_utf8_lossy(&add.stderr)
        );
        let t = as_bob.json(&["token", "issue"]);
        assert!(t["project_id"].is_string());
        let my_projects = as_bob.json(&["project", "list", "--my-projects"]);
        let names: Vec<&str> = my_projects
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|p| p["Name"].as_str())
            .collect();
        assert_eq!(names, vec!["team"]);

        let listed = osc.json(&["role", "assignment", "list", "--names", "--project", "team"]);
        let rows = listed.as_array().expect("list");
        assert_eq!(rows.len(), 1, "{listed}");
        assert_eq!(rows[0]["Role"], "member");
        assert_eq!(rows[0]["User"], "bob@Default");
        assert_eq!(rows[0]["Project"], "team@Default");
        let by_user = osc.json(&["role", "assignment", "list", "--user", "bob"]);
        assert_eq!(by_user.as_array().map(Vec::len), Some(1));

        let remove = osc.run(&[
            "role",
            "remove",
            "--project",
            "team",
            "--user",
            "bob",
            "member",
        ]);
        assert!(
            remove.status.success(),
            "{}",
            String::from_utf8_lossy(&remove.stderr)
        );
        assert!(
            osc.json(&["role", "assignment", "list", "--project", "team"])
                .as_array()
                .expect("list")
                .is_empty()
        );
        assert!(
            !as_bob.run(&["token", "issue"]).status.success(),
            "no role, no project token"
        );
        let del = osc.run(&["role", "delete", "auditor"]);
        assert!(
            del.status.success(),
            "{}",
            String::from_utf8_lossy(&del.stderr)
        );
    })
    .await
    .expect("client");
}

#[tokio::test]
async fn openstack_groups_and_roles_through_them() {
    let Some(session) = Session::start(&[("carol", "carol", "carol-pw", Some("crew"))]).await
    else {
        return;
    };
    let identity = &session.identity;
    let osc = session.cloud("test");
    let as_carol = session.cloud("carol");
    let app = identity.app.clone();
    let token = tokio::task::spawn_blocking(move || {
        osc.json(&["project", "create", "--domain", "default", "crew"]);
        osc.json(&[
            "user",
            "create",
            "--domain",
            "default",
            "--password",
            "carol-pw",
            "carol",
        ]);
        let g = osc.json(&[
            "group",
            "create",
            "--domain",
            "default",
            "--description",
            "the crew",
            "sailors",
        ]);
        assert_eq!(g["name"], "sailors");
        let groups = osc.json(&["group", "list"]);
        assert!(
            groups
                .as_array()
                .expect("list")
                .iter()
                .any(|x| x["Name"] == "sailors")
        );
        let add = osc.run(&["group", "add", "user", "sailors", "carol"]);
        assert!(
            add.status.success(),
            "{}",
            String::from_utf8_lossy(&add.stderr)
        );
        let contains = osc.run(&["group", "contains", "user", "sailors", "carol"]);
        assert!(contains.status.success());
        assert!(
            String::from_utf8_lossy(&contains.stdout).contains("carol in group sailors"),
            "{}",
            String::from_utf8_lossy(&contains.stdout)
        );
        let members = osc.json(&["user", "list", "--group", "sailors"]);
        assert_eq!(members.as_array().map(Vec::len), Some(1));

        // A role granted to the group reaches its member.
        assert!(!as_carol.run(&["token", "issue"]).status.success());
        let grant = osc.run(&[
            "role",
            "add",
            "--project",
            "crew",
            "--group",
            "sailors",
            "member",
        ]);
        assert!(
            grant.status.success(),
            "{}",
            String::from_utf8_lossy(&grant.stderr)
        );
        let token = as_carol.json(&["token", "issue"]);
        let effective = osc.json(&[
            "role",
            "assignment",
            "list",
            "--names",
            "--effective",
            "--project",
            "crew",
        ]);
        let rows = effective.as_array().expect("list");
        assert_eq!(rows.len(), 1, "{effective}");
        assert_eq!(rows[0]["User"], "carol@Default");
        let direct = osc.json(&["role", "assignment", "list", "--names", "--project", "crew"]);
        assert_eq!(
            direct.as_array().expect("list")[0]["Group"],
            "sailors@Default"
        );

        let remove = osc.run(&["group", "remove", "user", "sailors", "carol"]);
        assert!(
            remove.status.success(),
            "{}",
            String::from_utf8_lossy(&remove.stderr)
        );
        assert!(
            !as_carol.run(&["token", "issue"]).status.success(),
            "no group, no role"
        );
        token
    })
    .await
    .expect("client");
    // Leaving the group revoked the token the group's role had scoped.
    assert!(
        app.validate(token["id"].as_str().expect("id"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn openstack_application_credential_create_then_authenticate_with_it() {
    let Some(session) = Session::start(&[]).await else {
        return;
    };
    let port = session.identity.server.addr.port();
    let osc = session.cloud("test");
    let app = session.identity.app.clone();
    let cli = session.cli.clone();
    let (cred, token) = tokio::task::spawn_blocking(move || {
        let cred = osc.json(&[
            "application",
            "credential",
            "create",
            "--secret",
            "app-s3cret",
            "--role",
            "admin",
            "ci-bot",
        ]);
        assert_eq!(cred["Name"], "ci-bot", "{cred}");
        assert_eq!(
            cred["Secret"], "app-s3cret",
            "the secret is shown at creation"
        );
        let id = cred["ID"].as_str().expect("id").to_owned();
        let listed = osc.json(&["application", "credential", "list"]);
        assert!(
            listed
                .as_array()
                .expect("list")
                .iter()
                .any(|c| c["Name"] == "ci-bot")
        );
        let shown = osc.json(&["application", "credential", "show", "ci-bot"]);
        assert!(
            shown.get("Secret").is_none_or(|s| s.is_null()),
            "the secret is never shown again: {shown}"
        );

        // Authenticate with it, no password involved.
        let out = std::process::Command::new(&cli)
            .args([
                "--os-auth-type",
                "v3applicationcredential",
                "--os-auth-url",
                &format!("http://127.0.0.1:{port}/v3"),
                "--os-application-credential-id",
                &id,
                "--os-application-credential-secret",
                "app-s3cret",
                "token",
                "issue",
                "-f",
                "json",
            ])
            .env_remove("OS_CLOUD")
            .env_remove("OS_CLIENT_CONFIG_FILE")
            .output()
            .expect("run openstack");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let bad = std::process::Command::new(&cli)
            .args([
                "--os-auth-type",
                "v3applicationcredential",
                "--os-auth-url",
                &format!("http://127.0.0.1:{port}/v3"),
                "--os-application-credential-id",
                &id,
                "--os-application-credential-secret",
                "wrong",
                "token",
                "issue",
            ])
            .env_remove("OS_CLOUD")
            .env_remove("OS_CLIENT_CONFIG_FILE")
            .output()
            .expect("run openstack");
        assert!(!bad.status.success());

        let del = osc.run(&["application", "credential", "delete", "ci-bot"]);
        assert!(
            del.status.success(),
            "{}",
            String::from_utf8_lossy(&del.stderr)
        );
        (cred, token)
    })
    .await
    .expect("client");
    let admin_project: String = sqlx::query_scalar("SELECT id FROM projects WHERE name = 'admin'")
        .fetch_one(&session.identity.db.pool)
        .await
        .expect("query");
    assert_eq!(token["project_id"], admin_project.as_str());
    assert_eq!(cred["Project ID"], admin_project.as_str());
    let admin_user: String = sqlx::query_scalar("SELECT id FROM users WHERE name = 'admin'")
        .fetch_one(&session.identity.db.pool)
        .await
        .expect("query");
    assert_eq!(token["user_id"], admin_user.as_str());
    // Deleting the credential revoked its token.
    assert!(
        app.validate(token["id"].as_str().expect("id"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn openstack_region_service_endpoint_and_role_set_commands() {
    let Some(session) = Session::start(&[]).await else {
        return;
    };
    let osc = session.cloud("test");

    tokio::task::spawn_blocking(move || {
        let r = osc.json(&["region", "create", "--description", "second", "RegionTwo"]);
        assert_eq!(r["region"], "RegionTwo", "{r}");
        assert_eq!(r["description"], "second", "{r}");
        let regions = osc.json(&["region", "list"]);
        assert!(
            regions
                .as_array()
                .expect("list")
                .iter()
                .any(|r| r["Region"] == "RegionTwo"),
            "{regions}"
        );

        let s = osc.json(&[
            "service",
            "create",
            "--name",
            "designate",
            "--description",
            "names",
            "dns",
        ]);
        assert_eq!(
            (&s["type"], &s["name"], &s["enabled"]),
            (&"dns".into(), &"designate".into(), &true.into()),
            "{s}"
        );
        let e = osc.json(&[
            "endpoint",
            "create",
            "--region",
            "RegionTwo",
            "designate",
            "public",
            "http://127.0.0.1:9001/v2",
        ]);
        assert_eq!(e["service_type"], "dns", "{e}");
        assert_eq!(e["region"], "RegionTwo", "{e}");
        assert_eq!(e["url"], "http://127.0.0.1:9001/v2", "{e}");
        let endpoints = osc.json(&["endpoint", "list", "--service", "dns"]);
        let listed = endpoints.as_array().expect("list");
        assert_eq!(listed.len(), 1, "{endpoints}");
        assert_eq!(listed[0]["URL"], "http://127.0.0.1:9001/v2", "{endpoints}");
        assert_eq!(listed[0]["Interface"], "public", "{endpoints}");

        // A region with endpoints is refused with the reason.
        let refused = osc.run(&["region", "delete", "RegionTwo"]);
        assert!(!refused.status.success());
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("endpoints"),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
        let deleted = osc.run(&["service", "delete", "designate"]);
        assert!(
            deleted.status.success(),
            "{}",
            String::from_utf8_lossy(&deleted.stderr)
        );
        let endpoints = osc.json(&["endpoint", "list", "--region", "RegionTwo"]);
        assert_eq!(
            endpoints,
            serde_json::json!([]),
            "the service's endpoints went with it"
        );
        let deleted = osc.run(&["region", "delete", "RegionTwo"]);
        assert!(
            deleted.status.success(),
            "{}",
            String::from_utf8_lossy(&deleted.stderr)
        );

        osc.json(&["role", "create", "auditor"]);
        let set = osc.run(&["role", "set", "--name", "inspector", "auditor"]);
        assert!(
            set.status.success(),
            "{}",
            String::from_utf8_lossy(&set.stderr)
        );
        let role = osc.json(&["role", "show", "inspector"]);
        assert_eq!(role["name"], "inspector", "{role}");
    })
    .await
    .expect("client");
}
