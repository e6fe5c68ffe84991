//! Named network namespaces (`/run/netns/<name>`, as `ip netns` keeps them).
//!
//! A network namespace belongs to a thread, so work that must happen inside
//! one (opening a netlink socket, binding a socket, starting a process,
//! writing `/proc/sys/net`) runs on a fresh thread that entered it and ends
//! with the work: no thread of the async runtime ever changes namespace.
//! Sockets keep the namespace they were opened in, so a netlink handle made
//! here works from any task afterwards.

use std::fs::File;
use std::path::PathBuf;

/// Where named namespaces live.
pub const NETNS_DIR: &str = "/run/netns";

#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    #[error("network namespace {0:?}: {1}")]
    Io(String, #[source] std::io::Error),
    #[error("network namespace {0:?}: {1}")]
    Netlink(String, String),
    #[error("network namespace name {0:?} is not valid")]
    BadName(String),
    #[error("the thread working in network namespace {0:?} panicked")]
    Panicked(String),
}

fn check(name: &str) -> Result<(), NetnsError> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name != "."
        && name != "..";
    if ok {
        Ok(())
    } else {
        Err(NetnsError::BadName(name.into()))
    }
}

/// The file of a named namespace.
pub fn path(name: &str) -> PathBuf {
    PathBuf::from(NETNS_DIR).join(name)
}

/// Whether the named namespace exists.
pub fn exists(name: &str) -> bool {
    check(name).is_ok() && path(name).exists()
}

/// Creates the named namespace (nothing if it exists), with its loopback up.
pub async fn add(name: &str) -> Result<(), NetnsError> {
    check(name)?;
    if !exists(name) {
        std::fs::create_dir_all(NETNS_DIR).map_err(|e| NetnsError::Io(name.into(), e))?;
        rtnetlink::NetworkNamespace::add(name.to_owned())
            .await
            .map_err(|e| NetnsError::Netlink(name.into(), e.to_string()))?;
    }
    let handle = netlink(Some(name)).await?;
    let lo = "lo".to_owned();
    let link = handle
        .link()
        .set(rtnetlink::LinkUnspec::new_with_name(&lo).up().build())
        .execute()
        .await;
    link.map_err(|e| NetnsError::Netlink(name.into(), e.to_string()))
}

/// Deletes the named namespace (nothing if it does not exist). Its devices
/// go with it; veth peers in other namespaces too.
pub async fn del(name: &str) -> Result<(), NetnsError> {
    check(name)?;
    if !exists(name) {
        return Ok(());
    }
    rtnetlink::NetworkNamespace::del(name.to_owned())
        .await
        .map_err(|e| NetnsError::Netlink(name.into(), e.to_string()))
}

/// [`del`] without async, for cleanup in `Drop`.
pub fn del_blocking(name: &str) -> Result<(), NetnsError> {
    check(name)?;
    let p = path(name);
    if !p.exists() {
        return Ok(());
    }
    rustix::mount::unmount(&p, rustix::mount::UnmountFlags::DETACH)
        .map_err(|e| NetnsError::Io(name.into(), e.into()))?;
    std::fs::remove_file(&p).map_err(|e| NetnsError::Io(name.into(), e))
}

/// The named namespaces whose names start with `prefix`.
pub fn list(prefix: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(NETNS_DIR) else {
        return Vec::new();
    };
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

/// Runs `work` on a new thread inside the named namespace (or in the
/// caller's namespace for `None`) and returns what it returns.
pub fn run_in<T, F>(ns: Option<&str>, work: F) -> Result<T, NetnsError>
where
    T: Send,
    F: FnOnce() -> T + Send,
{
    let file = match ns {
        Some(name) => {
            check(name)?;
            Some(File::open(path(name)).map_err(|e| NetnsError::Io(name.into(), e))?)
        }
        None => None,
    };
    let label = ns.unwrap_or("(current)").to_owned();
    std::thread::scope(|scope| {
        scope
            .spawn(move || {
                if let Some(file) = &file {
                    rustix::thread::move_into_link_name_space(
                        std::os::fd::AsFd::as_fd(file),
                        Some(rustix::thread::LinkNameSpaceType::Network),
                    )
                    .map_err(|e| NetnsError::Io(label.clone(), e.into()))?;
                }
                Ok(work())
            })
            .join()
            .map_err(|_| NetnsError::Panicked(ns.unwrap_or("(current)").to_owned()))?
    })
}

/// [`run_in`] from async code: the thread is waited for on the blocking pool.
pub async fn run_in_async<T, F>(ns: Option<&str>, work: F) -> Result<T, NetnsError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let ns = ns.map(str::to_owned);
    let label = ns.clone().unwrap_or_default();
    tokio::task::spawn_blocking(move || run_in(ns.as_deref(), work))
        .await
        .map_err(|_| NetnsError::Panicked(label))?
}

/// A netlink handle whose socket lives in the named namespace (or the
/// caller's for `None`); its connection runs as a task of the current
/// runtime.
pub async fn netlink(ns: Option<&str>) -> Result<rtnetlink::Handle, NetnsError> {
    let runtime = tokio::runtime::Handle::current();
    let label = ns.unwrap_or("(current)").to_owned();
    let (connection, handle) = run_in_async(ns, move || {
        let _entered = runtime.enter();
        rtnetlink::new_connection().map(|(c, h, _)| (c, h))
    })
    .await?
    .map_err(|e| NetnsError::Io(label, e))?;
    tokio::spawn(connection);
    Ok(handle)
}

/// Link events (links added, changed, removed) in the named namespace: the
/// stream yields each event's message while the runtime runs.
pub async fn link_events(
    ns: Option<&str>,
) -> Result<
    impl futures_util::Stream<
        Item = rtnetlink::packet_core::NetlinkMessage<rtnetlink::packet_route::RouteNetlinkMessage>,
    > + Unpin,
    NetnsError,
> {
    let runtime = tokio::runtime::Handle::current();
    let label = ns.unwrap_or("(current)").to_owned();
    let (connection, messages) = run_in_async(ns, move || {
        let _entered = runtime.enter();
        rtnetlink::new_multicast_connection(&[rtnetlink::MulticastGroup::Link])
            .map(|(c, _, m)| (c, m))
    })
    .await?
    .map_err(|e| NetnsError::Io(label, e))?;
    tokio::spawn(connection);
    Ok(futures_util::StreamExt::map(messages, |(m, _)| m))
}

/// Starts `command` inside the named namespace; the child lives on in it.
pub fn spawn(
    ns: Option<&str>,
    mut command: std::process::Command,
) -> Result<std::process::Child, NetnsError> {
    let label = ns.unwrap_or("(current)").to_owned();
    run_in(ns, move || command.spawn())?.map_err(|e| NetnsError::Io(label, e))
}

/// Runs `command` to completion inside the named namespace.
pub fn output(
    ns: Option<&str>,
    mut command: std::process::Command,
) -> Result<std::process::Output, NetnsError> {
    let label = ns.unwrap_or("(current)").to_owned();
    run_in(ns, move || command.output())?.map_err(|e| NetnsError::Io(label, e))
}

/// Writes a sysctl under `/proc/sys` (e.g. `net/ipv4/ip_forward`) as the
/// named namespace sees it.
pub fn sysctl(ns: Option<&str>, key: &str, value: &str) -> Result<(), NetnsError> {
    let label = ns.unwrap_or("(current)").to_owned();
    let file = PathBuf::from("/proc/sys").join(key);
    let value = value.to_owned();
    run_in(ns, move || std::fs::write(&file, value))?.map_err(|e| NetnsError::Io(label, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check("qdhcp-1234").is_ok());
        assert!(check("").is_err());
        assert!(check("a/b").is_err());
        assert!(check("..").is_err());
        assert!(!exists("../etc"));
    }
}
