//! What the storage service tells metering, heard on the real bus: an
//! image's bytes once it is active, a volume's GiB from available through
//! an extend to its delete, a snapshot's; and a gauge sample of each one
//! held, stamped at the start of the interval so replicas agree.

mod common;

use std::time::Duration;

use common::{Cloud, qcow2};
use reqwest::Method;
use serde_json::json;
use stratus_bus_protocol::usage::{Lifecycle, LifecycleEvent};
use stratus_test_support::heard::Heard;
use stratus_test_support::poll_until;

/// The events heard of `id`: (event, size attribute).
fn of(heard: &Heard, id: &str) -> Vec<(Lifecycle, Option<String>)> {
    heard
        .lifecycle()
        .into_iter()
        .filter(|e: &LifecycleEvent| e.resource_id == id)
        .map(|e| {
            let size = e
                .attributes
                .get("size_gb")
                .or(e.attributes.get("size_bytes"))
                .cloned();
            (e.event, size)
        })
        .collect()
}

async fn hear(heard: &Heard, id: &str, want: Vec<(Lifecycle, Option<String>)>) {
    poll_until(
        Duration::from_secs(60),
        &format!("events of {id}"),
        || async { (of(heard, id) == want).then_some(()) },
    )
    .await;
}

#[tokio::test]
async fn volumes_snapshots_and_images_are_metered_by_size_from_create_to_delete() {
    let c = Cloud::start().await;
    let heard = Heard::start(&c.app.bus, &["usage.lifecycle", "usage.sample"]).await;
    let p = c.alice.project_id.clone();

    let data = qcow2(&c.dir.path, "1M");
    let bytes = data.len().to_string();
    let image = c
        .create_image(
            &c.alice,
            json!({"name": "m", "disk_format": "qcow2", "container_format": "bare"}),
        )
        .await;
    let image_id = image["id"].as_str().expect("id").to_owned();
    assert!(
        of(&heard, &image_id).is_empty(),
        "nothing held while queued"
    );
    let (status, _) = c.upload(&c.alice, &image_id, data).await;
    assert_eq!(status, 204);
    hear(
        &heard,
        &image_id,
        vec![(Lifecycle::Created, Some(bytes.clone()))],
    )
    .await;

    let (status, v) = c
        .volumes(
            Method::POST,
            "/volumes",
            &c.alice,
            Some(json!({"volume": {"size": 1}})),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    let vol = v["volume"]["id"].as_str().expect("id").to_owned();
    c.wait_status(&c.alice, "volumes", &vol, "available").await;
    hear(&heard, &vol, vec![(Lifecycle::Created, Some("1".into()))]).await;
    let (status, _) = c
        .volumes(
            Method::POST,
            &format!("/volumes/{vol}/action"),
            &c.alice,
            Some(json!({"os-extend": {"new_size": 2}})),
        )
        .await;
    assert_eq!(status, 202);
    hear(
        &heard,
        &vol,
        vec![
            (Lifecycle::Created, Some("1".into())),
            (Lifecycle::Resized, Some("2".into())),
        ],
    )
    .await;
    let (status, s) = c
        .volumes(
            Method::POST,
            "/snapshots",
            &c.alice,
            Some(json!({"snapshot": {"volume_id": vol}})),
        )
        .await;
    assert_eq!(status, 202, "{s}");
    let snap = s["snapshot"]["id"].as_str().expect("id").to_owned();
    c.wait_status(&c.alice, "snapshots", &snap, "available")
        .await;
    hear(&heard, &snap, vec![(Lifecycle::Created, Some("2".into()))]).await;

    // One sample of each, at the start of the interval.
    let every = Duration::from_secs(60);
    assert!(c.app.sample_held(every).await.expect("samples") >= 3);
    let sampled = poll_until(Duration::from_secs(30), "samples of all three", || async {
        let s: Vec<_> = heard
            .samples()
            .into_iter()
            .filter(|s| s.project_id == p)
            .collect();
        (s.len() == 3).then_some(s)
    })
    .await;
    let mut got: Vec<(String, String, i64, String)> = sampled
        .iter()
        .map(|s| {
            (
                s.resource_id.clone(),
                s.metric.clone(),
                s.value,
                s.unit.clone(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        (vol.clone(), "volume.size".to_owned(), 2, "GiB".to_owned()),
        (
            snap.clone(),
            "snapshot.size".to_owned(),
            2,
            "GiB".to_owned(),
        ),
        (
            image_id.clone(),
            "image.size".to_owned(),
            bytes.parse().expect("n"),
            "B".to_owned(),
        ),
    ];
    want.sort();
    assert_eq!(got, want);
    assert!(
        sampled
            .iter()
            .all(|s| s.at.timestamp_millis() % 60_000 == 0)
    );

    // Deleted: each once.
    for (kind, id) in [("snapshots", &snap), ("volumes", &vol)] {
        let (status, _) = c
            .volumes(Method::DELETE, &format!("/{kind}/{id}"), &c.alice, None)
            .await;
        assert_eq!(status, 202);
        c.wait_gone(&c.alice, kind, id).await;
    }
    let (status, _) = c
        .send(
            Method::DELETE,
            &format!("/v2/images/{image_id}"),
            &c.alice,
            None,
        )
        .await;
    assert_eq!(status, 204);
    hear(
        &heard,
        &snap,
        vec![
            (Lifecycle::Created, Some("2".into())),
            (Lifecycle::Deleted, None),
        ],
    )
    .await;
    hear(
        &heard,
        &vol,
        vec![
            (Lifecycle::Created, Some("1".into())),
            (Lifecycle::Resized, Some("2".into())),
            (Lifecycle::Deleted, None),
        ],
    )
    .await;
    hear(
        &heard,
        &image_id,
        vec![
            (Lifecycle::Created, Some(bytes)),
            (Lifecycle::Deleted, None),
        ],
    )
    .await;
    assert!(heard.lifecycle().iter().all(|e| e.project_id == p));
}
