//! The scheduler: which host a server goes to. Filters (service enabled
//! and up, availability zone, vCPU, RAM and disk with allocation ratios,
//! hosts to avoid or to stay on for server groups, the image's hypervisor
//! type), then weighers (spread by free RAM by
//! default, or stack), then a claim on the best host; a host that lost the
//! race is skipped for the next.

use serde::{Deserialize, Serialize};
use stratus_common::Error;

use super::App;
use crate::datastore::hosts::{self as ds, Node, Ratios, Resources};

/// The `[compute.scheduler]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerConfig {
    pub cpu_allocation_ratio: f64,
    pub ram_allocation_ratio: f64,
    pub disk_allocation_ratio: f64,
    /// A host not heard from for this long is down and gets no new work.
    pub service_down_time_s: u32,
    /// `spread` (most free RAM first) or `stack` (least first).
    pub weigher: String,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            cpu_allocation_ratio: 16.0,
            ram_allocation_ratio: 1.5,
            disk_allocation_ratio: 1.0,
            service_down_time_s: 60,
            weigher: "spread".into(),
        }
    }
}

impl SchedulerConfig {
    pub fn ratios(&self) -> Ratios {
        Ratios {
            cpu: self.cpu_allocation_ratio,
            ram: self.ram_allocation_ratio,
            disk: self.disk_allocation_ratio,
        }
    }
}

/// What a server needs of a host.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub resources: Option<Resources>,
    pub availability_zone: Option<String>,
    /// Hosts to avoid: those that failed this build, and (anti-affinity)
    /// those the server's group is on.
    pub avoid: Vec<String>,
    /// Affinity: the only host allowed, once the group has one.
    pub only: Option<String>,
    /// The image's `hypervisor_type` property: hosts of that hypervisor
    /// (`qemu`, `kvm`, `fake`; matched against the host's type or virt
    /// type, ignoring case).
    pub hypervisor_type: Option<String>,
}

pub fn no_valid_host() -> Error {
    Error::bad_request("No valid host was found. There are not enough hosts available.")
}

/// Whether the host is up: heard from within `down_s`.
pub fn is_up(n: &Node, down_s: u32) -> bool {
    (chrono::Utc::now() - n.last_seen).num_seconds() < i64::from(down_s)
}

/// The hosts that pass every filter, best first.
pub fn candidates<'a>(nodes: &'a [Node], req: &Request, cfg: &SchedulerConfig) -> Vec<&'a Node> {
    let r = req.resources.unwrap_or(Resources {
        vcpus: 0,
        memory_mb: 0,
        disk_gb: 0,
    });
    let ratios = cfg.ratios();
    let free_ram = |n: &Node| (n.memory_mb as f64 * ratios.ram).floor() as i64 - n.memory_mb_used;
    let mut out: Vec<&Node> = nodes
        .iter()
        .filter(|n| !n.disabled && is_up(n, cfg.service_down_time_s))
        .filter(|n| {
            req.availability_zone
                .as_deref()
                .is_none_or(|az| az == n.availability_zone)
        })
        .filter(|n| !req.avoid.contains(&n.host))
        .filter(|n| req.only.as_deref().is_none_or(|h| h == n.host))
        .filter(|n| {
            req.hypervisor_type.as_deref().is_none_or(|t| {
                t.eq_ignore_ascii_case(&n.hypervisor_type) || t.eq_ignore_ascii_case(&n.virt_type)
            })
        })
        .filter(|n| {
            i64::from(n.vcpus_used) + i64::from(r.vcpus)
                <= (f64::from(n.vcpus) * ratios.cpu).floor() as i64
                && free_ram(n) >= r.memory_mb
                && n.disk_gb_used + r.disk_gb <= (n.disk_gb as f64 * ratios.disk).floor() as i64
        })
        .collect();
    out.sort_by_key(|n| (free_ram(n), std::cmp::Reverse(n.id)));
    if cfg.weigher != "stack" {
        out.reverse();
    }
    out
}

impl App {
    /// Picks a host for `req` and claims its resources there.
    pub async fn schedule(&self, req: &Request) -> Result<String, Error> {
        let mut conn = self.pool.acquire().await?;
        self.schedule_on(&mut conn, req).await
    }

    /// [`App::schedule`] on a connection the caller holds (inside its
    /// transaction, whose locks then cover the choice).
    pub async fn schedule_on(
        &self,
        conn: &mut sqlx::PgConnection,
        req: &Request,
    ) -> Result<String, Error> {
        let cfg = &self.config.scheduler;
        let nodes = ds::nodes(&mut *conn).await?;
        let Some(r) = req.resources else {
            return Err(no_valid_host());
        };
        for n in candidates(&nodes, req, cfg) {
            if ds::claim(
                &mut *conn,
                &n.host,
                r,
                cfg.ratios(),
                i64::from(cfg.service_down_time_s),
            )
            .await?
            {
                return Ok(n.host.clone());
            }
        }
        Err(no_valid_host())
    }

    /// Gives a claim back.
    pub async fn unclaim(&self, host: &str, r: Resources) -> Result<(), Error> {
        ds::release(&self.pool, host, r).await.map_err(Error::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, host: &str, ram_used: i64) -> Node {
        Node {
            id,
            host: host.into(),
            availability_zone: "nova".into(),
            vcpus: 4,
            memory_mb: 8192,
            disk_gb: 100,
            hypervisor_type: "fake".into(),
            hypervisor_version: 1,
            virt_type: "fake".into(),
            host_ip: "127.0.0.1".into(),
            vcpus_used: 0,
            memory_mb_used: ram_used,
            disk_gb_used: 0,
            running_vms: 0,
            disabled: false,
            disabled_reason: None,
            last_seen: chrono::Utc::now(),
            created_at: chrono::Utc::now(),
            unknown_instances: sqlx::types::Json(Vec::new()),
        }
    }

    fn req(ram: i64) -> Request {
        Request {
            resources: Some(Resources {
                vcpus: 1,
                memory_mb: ram,
                disk_gb: 10,
            }),
            ..Request::default()
        }
    }

    fn hosts(c: Vec<&Node>) -> Vec<&str> {
        c.into_iter().map(|n| n.host.as_str()).collect()
    }

    #[test]
    fn filters_and_weighers() {
        let mut nodes = vec![node(1, "a", 4096), node(2, "b", 0), node(3, "c", 8192)];
        let cfg = SchedulerConfig::default();
        assert_eq!(hosts(candidates(&nodes, &req(1024), &cfg)), ["b", "a", "c"]);
        let stack = SchedulerConfig {
            weigher: "stack".into(),
            ..SchedulerConfig::default()
        };
        assert_eq!(
            hosts(candidates(&nodes, &req(1024), &stack)),
            ["c", "a", "b"]
        );
        // 8192 × 1.5 = 12288: c has 4096 left, not 6000.
        assert_eq!(hosts(candidates(&nodes, &req(6000), &cfg)), ["b", "a"]);
        nodes[1].disabled = true;
        nodes[0].last_seen = chrono::Utc::now() - chrono::Duration::seconds(120);
        assert_eq!(
            hosts(candidates(&nodes, &req(1024), &cfg)),
            ["c"],
            "disabled and down hosts are out"
        );
        nodes[2].availability_zone = "az2".into();
        let mut r = req(1024);
        r.availability_zone = Some("nova".into());
        assert!(candidates(&nodes, &r, &cfg).is_empty());
        r.availability_zone = Some("az2".into());
        r.avoid = vec!["c".into()];
        assert!(candidates(&nodes, &r, &cfg).is_empty(), "avoided");
        r.avoid.clear();
        r.only = Some("c".into());
        assert_eq!(hosts(candidates(&nodes, &r, &cfg)), ["c"]);
        r.hypervisor_type = Some("QEMU".into());
        assert!(candidates(&nodes, &r, &cfg).is_empty(), "c is fake");
        r.hypervisor_type = Some("fake".into());
        assert_eq!(hosts(candidates(&nodes, &r, &cfg)), ["c"]);
        let mut disk = req(1);
        disk.resources = Some(Resources {
            vcpus: 1,
            memory_mb: 1,
            disk_gb: 101,
        });
        assert!(candidates(&nodes, &disk, &cfg).is_empty(), "disk ratio 1.0");
        let mut cpu = req(1);
        cpu.resources = Some(Resources {
            vcpus: 65,
            memory_mb: 1,
            disk_gb: 1,
        });
        assert!(
            candidates(&nodes, &cpu, &cfg).is_empty(),
            "4 × 16 vCPUs at most"
        );
    }
}
