//! Tenant isolation across every service of a whole cloud (identity,
//! compute with a fake host, network, storage with its agent): for each
//! kind of object project A owns, a member of project B gets 404 on show,
//! update, delete and actions, never sees it in a list (also when asking for
//! all projects or naming A's), and cannot use it from its own objects; A's
//! reader cannot write; unscoped and domain-scoped tokens get nothing
//! project-scoped.

mod common;

use common::{Cloud, Login};
use reqwest::Method;
use serde_json::{Value, json};
use stratus_compute::app::ComputeConfig;

/// Which API an object lives in.
#[derive(Clone, Copy, Debug)]
enum Api {
    Compute,
    Network,
    Image,
    Volume,
}

async fn call(
    c: &Cloud,
    api: Api,
    method: Method,
    path: &str,
    who: &Login,
    body: Option<Value>,
) -> (u16, Value) {
    match api {
        Api::Compute => c.send(method, path, who, body).await,
        Api::Network => c.net(method, path, who, body).await,
        Api::Image => c.img(method, path, who, body).await,
        Api::Volume => c.vol(method, path, who, body).await,
    }
}

/// One of A's objects: where it is shown, how it is changed, where it is listed.
struct Owned {
    what: &'static str,
    api: Api,
    id: String,
    show: String,
    update: Option<(Method, Value)>,
    lists: Vec<String>,
}

async fn login(c: &Cloud, user: &str, password: &str, scope: Option<Value>) -> Login {
    let mut auth = json!({"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"id": "default"}, "password": password}}}});
    if let Some(s) = scope {
        auth["scope"] = s;
    }
    let resp = c
        .http
        .post(c.identity.server.url("/v3/auth/tokens"))
        .json(&json!({"auth": auth}))
        .send()
        .await
        .expect("login");
    let status = resp.status().as_u16();
    if status != 201 {
        panic!(
            "login of {user}: {status} {}",
            resp.text().await.unwrap_or_default()
        );
    }
    Login {
        token: resp.headers()["x-subject-token"]
            .to_str()
            .expect("token")
            .to_owned(),
        // Not a project: paths that need one get bob's, and must still refuse.
        project_id: String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_project_sees_and_touches_nothing_of_a_project() {
    let c = Cloud::start_full(ComputeConfig::default()).await;
    let (alice, bob, rita) = (
        c.identity.alice.clone(),
        c.identity.bob.clone(),
        c.identity.rita.clone(),
    );
    let host = c.fake_host(8, 8192, 100, "nova");
    c.wait_host(&host.name).await;

    // Project A's objects, one of each kind.
    let net = c.network(&alice, "a-net", "10.60.0.0/24").await;
    let (_, subnets) = c
        .net(
            Method::GET,
            &format!("/v2.0/subnets?network_id={net}"),
            &alice,
            None,
        )
        .await;
    let subnet = subnets["subnets"][0]["id"]
        .as_str()
        .expect("subnet")
        .to_owned();
    let (st, port) = c
        .net(
            Method::POST,
            "/v2.0/ports",
            &alice,
            Some(json!({"port": {"network_id": net}})),
        )
        .await;
    assert_eq!(st, 201, "{port}");
    let (st, router) = c
        .net(
            Method::POST,
            "/v2.0/routers",
            &alice,
            Some(json!({"router": {"name": "a-r"}})),
        )
        .await;
    assert_eq!(st, 201, "{router}");
    let (st, sg) = c
        .net(
            Method::POST,
            "/v2.0/security-groups",
            &alice,
            Some(json!({"security_group": {"name": "a-sg"}})),
        )
        .await;
    assert_eq!(st, 201, "{sg}");
    let sg_id = sg["security_group"]["id"].as_str().expect("sg").to_owned();
    let (st, rule) = c
        .net(
            Method::POST,
            "/v2.0/security-group-rules",
            &alice,
            Some(json!({"security_group_rule": {"security_group_id": sg_id, "direction": "ingress", "protocol": "tcp"}})),
        )
        .await;
    assert_eq!(st, 201, "{rule}");
    let image = c
        .image(&alice, vec![5u8; 4096], json!({"visibility": "private"}))
        .await;
    let (st, kp) = c
        .send(
            Method::POST,
            "/v2.1/os-keypairs",
            &alice,
            Some(json!({"keypair": {"name": "a-key"}})),
        )
        .await;
    assert_eq!(st, 200, "{kp}");
    let (st, group) = c
        .send(
            Method::POST,
            "/v2.1/os-server-groups",
            &alice,
            Some(json!({"server_group": {"name": "a-g", "policies": ["affinity"]}})),
        )
        .await;
    assert_eq!(st, 200, "{group}");
    let group_id = group["server_group"]["id"]
        .as_str()
        .expect("group")
        .to_owned();
    let flavor = c.flavor("iso", 1, 128, 1).await;
    let (st, server) = c
        .send(
            Method::POST,
            "/v2.1/servers",
            &alice,
            Some(
                json!({"server": {"name": "a-vm", "imageRef": image, "flavorRef": flavor,
                "networks": [{"uuid": net}], "key_name": "a-key"}}),
            ),
        )
        .await;
    assert_eq!(st, 202, "{server}");
    let server_id = server["server"]["id"].as_str().expect("server").to_owned();
    c.wait_status(&alice, &server_id, "ACTIVE").await;
    let volume = c.volume(&alice, 1, None).await;
    let (st, snap) = c
        .vol(
            Method::POST,
            "/snapshots",
            &alice,
            Some(json!({"snapshot": {"volume_id": volume}})),
        )
        .await;
    assert_eq!(st, 202, "{snap}");
    let snapshot = snap["snapshot"]["id"]
        .as_str()
        .expect("snapshot")
        .to_owned();

    let id_of = |v: &Value, key: &str| v[key]["id"].as_str().expect("id").to_owned();
    let owned = vec![
        Owned {
            what: "network",
            api: Api::Network,
            id: net.clone(),
            show: format!("/v2.0/networks/{net}"),
            update: Some((Method::PUT, json!({"network": {"name": "x"}}))),
            lists: vec!["/v2.0/networks".into()],
        },
        Owned {
            what: "subnet",
            api: Api::Network,
            id: subnet.clone(),
            show: format!("/v2.0/subnets/{subnet}"),
            update: Some((Method::PUT, json!({"subnet": {"name": "x"}}))),
            lists: vec!["/v2.0/subnets".into()],
        },
        Owned {
            what: "port",
            api: Api::Network,
            id: id_of(&port, "port"),
            show: format!("/v2.0/ports/{}", id_of(&port, "port")),
            update: Some((Method::PUT, json!({"port": {"name": "x"}}))),
            lists: vec!["/v2.0/ports".into()],
        },
        Owned {
            what: "router",
            api: Api::Network,
            id: id_of(&router, "router"),
            show: format!("/v2.0/routers/{}", id_of(&router, "router")),
            update: Some((Method::PUT, json!({"router": {"name": "x"}}))),
            lists: vec!["/v2.0/routers".into()],
        },
        Owned {
            what: "security group",
            api: Api::Network,
            id: sg_id.clone(),
            show: format!("/v2.0/security-groups/{sg_id}"),
            update: Some((Method::PUT, json!({"security_group": {"name": "x"}}))),
            lists: vec!["/v2.0/security-groups".into()],
        },
        Owned {
            what: "security group rule",
            api: Api::Network,
            id: id_of(&rule, "security_group_rule"),
            show: format!(
                "/v2.0/security-group-rules/{}",
                id_of(&rule, "security_group_rule")
            ),
            update: None,
            lists: vec!["/v2.0/security-group-rules".into()],
        },
        Owned {
            what: "image",
            api: Api::Image,
            id: image.clone(),
            show: format!("/v2/images/{image}"),
            update: None,
            lists: vec!["/v2/images".into()],
        },
        Owned {
            what: "server",
            api: Api::Compute,
            id: server_id.clone(),
            show: format!("/v2.1/servers/{server_id}"),
            update: Some((Method::PUT, json!({"server": {"name": "x"}}))),
            lists: vec!["/v2.1/servers".into(), "/v2.1/servers/detail".into()],
        },
        Owned {
            what: "server group",
            api: Api::Compute,
            id: group_id.clone(),
            show: format!("/v2.1/os-server-groups/{group_id}"),
            update: None,
            lists: vec!["/v2.1/os-server-groups".into()],
        },
        Owned {
            what: "key pair",
            api: Api::Compute,
            id: "a-key".into(),
            show: "/v2.1/os-keypairs/a-key".into(),
            update: None,
            lists: vec!["/v2.1/os-keypairs".into()],
        },
        Owned {
            what: "volume",
            api: Api::Volume,
            id: volume.clone(),
            show: format!("/volumes/{volume}"),
            update: Some((Method::PUT, json!({"volume": {"name": "x"}}))),
            lists: vec!["/volumes".into(), "/volumes/detail".into()],
        },
        Owned {
            what: "snapshot",
            api: Api::Volume,
            id: snapshot.clone(),
            show: format!("/snapshots/{snapshot}"),
            update: Some((Method::PUT, json!({"snapshot": {"name": "x"}}))),
            lists: vec!["/snapshots".into(), "/snapshots/detail".into()],
        },
    ];

    let mut failures = Vec::new();
    for o in &owned {
        let (st, v) = call(&c, o.api, Method::GET, &o.show, &bob, None).await;
        if st != 404 {
            failures.push(format!("{}: show {st} {v}", o.what));
        }
        if let Some((method, body)) = &o.update {
            let (st, v) = call(&c, o.api, method.clone(), &o.show, &bob, Some(body.clone())).await;
            if st != 404 {
                failures.push(format!("{}: update {st} {v}", o.what));
            }
        }
        let (st, v) = call(&c, o.api, Method::DELETE, &o.show, &bob, None).await;
        if st != 404 {
            failures.push(format!("{}: delete {st} {v}", o.what));
        }
        for list in &o.lists {
            for query in [
                "",
                "?all_tenants=1",
                "?all_projects=true",
                &format!("?project_id={}", alice.project_id),
                &format!("?tenant_id={}", alice.project_id),
                "?limit=1000",
            ] {
                let path = format!("{list}{query}");
                let (st, v) = call(&c, o.api, Method::GET, &path, &bob, None).await;
                if (query.is_empty() && st != 200)
                    || st >= 500
                    || (st == 200 && v.to_string().contains(&o.id))
                {
                    failures.push(format!("{}: list {path} {st} shows it", o.what));
                }
            }
        }
        // Still there for its owner.
        let (st, _) = call(&c, o.api, Method::GET, &o.show, &alice, None).await;
        if st != 200 {
            failures.push(format!(
                "{}: gone for its owner after bob's tries ({st})",
                o.what
            ));
        }
        // And in its owner's list: the lists above could have shown it.
        let (_, v) = call(&c, o.api, Method::GET, &o.lists[0], &alice, None).await;
        if !v.to_string().contains(&o.id) {
            failures.push(format!(
                "{}: not in its owner's list {}",
                o.what, o.lists[0]
            ));
        }
    }

    // Actions on A's server.
    for action in [
        json!({"reboot": {"type": "SOFT"}}),
        json!({"os-stop": null}),
        json!({"os-start": null}),
        json!({"createImage": {"name": "x"}}),
        json!({"resize": {"flavorRef": flavor}}),
        json!({"os-getConsoleOutput": {}}),
        json!({"rebuild": {"imageRef": image}}),
    ] {
        let (st, v) = c
            .send(
                Method::POST,
                &format!("/v2.1/servers/{server_id}/action"),
                &bob,
                Some(action.clone()),
            )
            .await;
        if st != 404 {
            failures.push(format!("server action {action}: {st} {v}"));
        }
    }
    for (method, path, body) in [
        (
            Method::GET,
            format!("/v2.1/servers/{server_id}/os-volume_attachments"),
            None,
        ),
        (
            Method::POST,
            format!("/v2.1/servers/{server_id}/os-volume_attachments"),
            Some(json!({"volumeAttachment": {"volumeId": volume}})),
        ),
        (
            Method::GET,
            format!("/v2.1/servers/{server_id}/os-interface"),
            None,
        ),
        (
            Method::GET,
            format!("/v2.1/servers/{server_id}/os-instance-actions"),
            None,
        ),
        (Method::GET, format!("/v2.1/servers/{server_id}/ips"), None),
        (
            Method::GET,
            format!("/v2.1/servers/{server_id}/metadata"),
            None,
        ),
    ] {
        let (st, v) = c.send(method.clone(), &path, &bob, body).await;
        if st != 404 {
            failures.push(format!("{method} {path}: {st} {v}"));
        }
    }

    // B cannot use A's objects from its own.
    let bob_net = c.network(&bob, "b-net", "10.61.0.0/24").await;
    let refs: Vec<(&str, Api, &str, Value)> = vec![
        (
            "port on A's network",
            Api::Network,
            "/v2.0/ports",
            json!({"port": {"network_id": net}}),
        ),
        (
            "subnet on A's network",
            Api::Network,
            "/v2.0/subnets",
            json!({"subnet": {"network_id": net, "ip_version": 4, "cidr": "10.62.0.0/24"}}),
        ),
        (
            "port in A's security group",
            Api::Network,
            "/v2.0/ports",
            json!({"port": {"network_id": bob_net, "security_groups": [sg_id]}}),
        ),
        (
            "rule in A's security group",
            Api::Network,
            "/v2.0/security-group-rules",
            json!({"security_group_rule": {"security_group_id": sg_id, "direction": "ingress"}}),
        ),
        (
            "server with A's image",
            Api::Compute,
            "/v2.1/servers",
            json!({"server": {"name": "b", "imageRef": image, "flavorRef": flavor, "networks": [{"uuid": bob_net}]}}),
        ),
        (
            "server on A's network",
            Api::Compute,
            "/v2.1/servers",
            json!({"server": {"name": "b", "imageRef": image, "flavorRef": flavor, "networks": [{"uuid": net}]}}),
        ),
        (
            "server with A's key",
            Api::Compute,
            "/v2.1/servers",
            json!({"server": {"name": "b", "imageRef": image, "flavorRef": flavor, "networks": [{"uuid": bob_net}], "key_name": "a-key"}}),
        ),
        (
            "server booting A's volume",
            Api::Compute,
            "/v2.1/servers",
            json!({"server": {"name": "b", "flavorRef": flavor, "networks": [{"uuid": bob_net}],
            "block_device_mapping_v2": [{"boot_index": 0, "uuid": volume, "source_type": "volume", "destination_type": "volume"}]}}),
        ),
        (
            "volume from A's snapshot",
            Api::Volume,
            "/volumes",
            json!({"volume": {"size": 1, "snapshot_id": snapshot}}),
        ),
        (
            "volume from A's volume",
            Api::Volume,
            "/volumes",
            json!({"volume": {"size": 1, "source_volid": volume}}),
        ),
        (
            "volume from A's image",
            Api::Volume,
            "/volumes",
            json!({"volume": {"size": 1, "imageRef": image}}),
        ),
        (
            "snapshot of A's volume",
            Api::Volume,
            "/snapshots",
            json!({"snapshot": {"volume_id": volume}}),
        ),
    ];
    for (what, api, path, body) in refs {
        let (st, v) = call(&c, api, Method::POST, path, &bob, Some(body)).await;
        if !(400..500).contains(&st) {
            failures.push(format!("{what}: {st} {v}"));
        }
    }
    let (st, bob_router) = c
        .net(
            Method::POST,
            "/v2.0/routers",
            &bob,
            Some(json!({"router": {"name": "b-r"}})),
        )
        .await;
    assert_eq!(st, 201);
    let (st, v) = c
        .net(
            Method::PUT,
            &format!(
                "/v2.0/routers/{}/add_router_interface",
                id_of(&bob_router, "router")
            ),
            &bob,
            Some(json!({"subnet_id": subnet})),
        )
        .await;
    if st != 404 {
        failures.push(format!("router interface on A's subnet: {st} {v}"));
    }
    let (st, v) = c
        .send(
            Method::POST,
            "/v2.1/servers",
            &bob,
            Some(json!({"server": {"name": "b", "imageRef": image, "flavorRef": flavor, "networks": [{"uuid": bob_net}]},
                "os:scheduler_hints": {"group": group_id}})),
        )
        .await;
    if !(400..500).contains(&st) {
        failures.push(format!("server in A's group: {st} {v}"));
    }

    // A's reader reads and does not write.
    for (what, api, method, path, body) in [
        (
            "network",
            Api::Network,
            Method::POST,
            "/v2.0/networks".to_owned(),
            Some(json!({"network": {"name": "r"}})),
        ),
        (
            "port",
            Api::Network,
            Method::POST,
            "/v2.0/ports".to_owned(),
            Some(json!({"port": {"network_id": net}})),
        ),
        (
            "network delete",
            Api::Network,
            Method::DELETE,
            format!("/v2.0/networks/{net}"),
            None,
        ),
        (
            "server",
            Api::Compute,
            Method::POST,
            "/v2.1/servers".to_owned(),
            Some(
                json!({"server": {"name": "r", "imageRef": image, "flavorRef": flavor, "networks": [{"uuid": net}]}}),
            ),
        ),
        (
            "server delete",
            Api::Compute,
            Method::DELETE,
            format!("/v2.1/servers/{server_id}"),
            None,
        ),
        (
            "server reboot",
            Api::Compute,
            Method::POST,
            format!("/v2.1/servers/{server_id}/action"),
            Some(json!({"reboot": {"type": "SOFT"}})),
        ),
        (
            "volume",
            Api::Volume,
            Method::POST,
            "/volumes".to_owned(),
            Some(json!({"volume": {"size": 1}})),
        ),
        (
            "volume delete",
            Api::Volume,
            Method::DELETE,
            format!("/volumes/{volume}"),
            None,
        ),
        (
            "image",
            Api::Image,
            Method::POST,
            "/v2/images".to_owned(),
            Some(json!({"name": "r"})),
        ),
        (
            "image delete",
            Api::Image,
            Method::DELETE,
            format!("/v2/images/{image}"),
            None,
        ),
    ] {
        let (st, v) = call(&c, api, method, &path, &rita, body).await;
        if st != 403 {
            failures.push(format!("reader {what}: {st} {v}"));
        }
    }
    let (st, _) = c
        .send(
            Method::GET,
            &format!("/v2.1/servers/{server_id}"),
            &rita,
            None,
        )
        .await;
    assert_eq!(st, 200, "a reader reads");

    // Tokens without a project get nothing project-scoped.
    let unscoped = login(&c, "bob", "bob-pw", None).await;
    // A member role on the domain too, for a domain-scoped token.
    let admin = &c.identity.admin;
    let identity = |path: &str| c.identity.server.url(path);
    let (_, roles) = stratus_testbed::send(
        &c.http,
        Method::GET,
        &identity("/v3/roles?name=member"),
        admin,
        None,
    )
    .await;
    let member = roles["roles"][0]["id"].as_str().expect("member").to_owned();
    let (_, users) = stratus_testbed::send(
        &c.http,
        Method::GET,
        &identity("/v3/users?name=bob"),
        admin,
        None,
    )
    .await;
    let bob_id = users["users"][0]["id"].as_str().expect("bob").to_owned();
    let (st, v) = stratus_testbed::send(
        &c.http,
        Method::PUT,
        &identity(&format!(
            "/v3/domains/default/users/{bob_id}/roles/{member}"
        )),
        admin,
        None,
    )
    .await;
    assert_eq!(st, 204, "{v}");
    let domain = login(
        &c,
        "bob",
        "bob-pw",
        Some(json!({"domain": {"id": "default"}})),
    )
    .await;
    for who in [&unscoped, &domain] {
        for (api, path) in [
            (Api::Compute, "/v2.1/servers".to_owned()),
            (Api::Network, "/v2.0/networks".to_owned()),
            (Api::Network, "/v2.0/ports".to_owned()),
            (Api::Image, "/v2/images".to_owned()),
        ] {
            let (st, v) = call(&c, api, Method::GET, &path, who, None).await;
            if st != 403 {
                failures.push(format!("no project, {path}: {st} {v}"));
            }
        }
        let url = c.full_volume_url(&format!("/v3/{}/volumes", bob.project_id));
        let (st, v) = stratus_testbed::send(&c.http, Method::GET, &url, who, None).await;
        if st != 403 {
            failures.push(format!("no project, volumes: {st} {v}"));
        }
    }
    assert!(
        failures.is_empty(),
        "isolation failures:\n{}",
        failures.join("\n")
    );
    drop(host);
}
