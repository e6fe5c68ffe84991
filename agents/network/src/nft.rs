//! Running `nft`: one script per change applied as one atomic transaction,
//! and the current ruleset of a table read back as JSON. nftables has no
//! kernel interface a Rust crate drives better than its own front end (the
//! `nftables` crate runs the same binary), so this is the one place the
//! agent runs it.

use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum NftError {
    #[error("running nft: {0}")]
    Spawn(#[from] stratus_netns::NetnsError),
    #[error("nft refused the change: {stderr}\n--- script ---\n{script}")]
    Refused { stderr: String, script: String },
    #[error("nft printed JSON that does not parse: {0}")]
    Json(#[from] serde_json::Error),
}

/// Applies `script` in the namespace (all of it or nothing), fed to
/// `nft -f -` on its standard input.
pub fn apply(ns: Option<&str>, script: &str) -> Result<(), NftError> {
    use std::io::Write as _;
    use std::process::Stdio;
    if script.trim().is_empty() {
        return Ok(());
    }
    let io = |e| NftError::Spawn(stratus_netns::NetnsError::Io("nft".into(), e));
    let mut cmd = std::process::Command::new("nft");
    cmd.args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = stratus_netns::spawn(ns, cmd)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(script.as_bytes()).map_err(io)?;
    }
    let out = child.wait_with_output().map_err(io)?;
    if out.status.success() {
        Ok(())
    } else {
        Err(NftError::Refused {
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            script: script.to_owned(),
        })
    }
}

/// The objects of `family table` as `nft -j` lists them; empty when the
/// table does not exist.
pub fn list_table(ns: Option<&str>, family: &str, table: &str) -> Result<Vec<Value>, NftError> {
    let mut cmd = std::process::Command::new("nft");
    cmd.args(["-j", "list", "table", family, table]);
    let out = stratus_netns::output(ns, cmd)?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("No such file or directory") {
            return Ok(Vec::new());
        }
        return Err(NftError::Refused {
            stderr: stderr.trim().to_owned(),
            script: format!("list table {family} {table}"),
        });
    }
    let v: Value = serde_json::from_slice(&out.stdout)?;
    Ok(v.get("nftables")
        .and_then(|n| n.as_array())
        .cloned()
        .unwrap_or_default())
}

/// A table as listed: its chains with their rules, and its sets and maps.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub exists: bool,
    pub comment: Option<String>,
    /// Chain name → its rules `(handle, comment)` in order.
    pub chains: std::collections::BTreeMap<String, Vec<(u64, Option<String>)>>,
    /// Set or map name → its elements (keys as text; a prefix as `a/len`).
    pub sets: std::collections::BTreeMap<String, Vec<String>>,
}

impl Listing {
    pub fn read(ns: Option<&str>, family: &str, table: &str) -> Result<Self, NftError> {
        Ok(Self::parse(&list_table(ns, family, table)?))
    }

    pub fn parse(objects: &[Value]) -> Self {
        let mut l = Listing::default();
        for o in objects {
            if let Some(t) = o.get("table") {
                l.exists = true;
                l.comment = t.get("comment").and_then(|c| c.as_str()).map(str::to_owned);
            } else if let Some(c) = o.get("chain") {
                if let Some(name) = c.get("name").and_then(|n| n.as_str()) {
                    l.chains.entry(name.to_owned()).or_default();
                }
            } else if let Some(r) = o.get("rule") {
                let (Some(chain), Some(handle)) = (
                    r.get("chain").and_then(|c| c.as_str()),
                    r.get("handle").and_then(|h| h.as_u64()),
                ) else {
                    continue;
                };
                let comment = r.get("comment").and_then(|c| c.as_str()).map(str::to_owned);
                l.chains
                    .entry(chain.to_owned())
                    .or_default()
                    .push((handle, comment));
            } else if let Some(s) = o.get("set").or_else(|| o.get("map")) {
                let Some(name) = s.get("name").and_then(|n| n.as_str()) else {
                    continue;
                };
                let elems = s
                    .get("elem")
                    .and_then(|e| e.as_array())
                    .map(|e| e.iter().filter_map(element_key).collect())
                    .unwrap_or_default();
                l.sets.insert(name.to_owned(), elems);
            }
        }
        l
    }
}

/// An element's key as text: `10.0.0.5`, `10.1.0.0/24`, or a map key.
fn element_key(e: &Value) -> Option<String> {
    match e {
        Value::String(s) => Some(s.clone()),
        Value::Array(pair) => element_key(pair.first()?),
        Value::Object(o) => {
            if let Some(p) = o.get("prefix") {
                let addr = p.get("addr")?.as_str()?;
                let len = p.get("len")?.as_u64()?;
                Some(format!("{addr}/{len}"))
            } else if let Some(inner) = o.get("elem") {
                element_key(inner.get("val")?)
            } else if let Some(r) = o.get("range") {
                let r = r.as_array()?;
                Some(format!("{}-{}", r.first()?.as_str()?, r.get(1)?.as_str()?))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The first 8 bytes of the SHA-256 of `text`, in hex: the tag the agent
/// leaves in comments to tell whether what it wrote has changed.
pub fn short_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A string as an nft quoted string (only names and ids of our own reach
/// here; quotes are dropped all the same).
pub fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace(['"', '\\', '\n'], ""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn listings_give_rules_by_comment_and_set_elements() {
        let objects = vec![
            json!({"metainfo": {}}),
            json!({"table": {"family": "bridge", "name": "stratus", "handle": 1}}),
            json!({"chain": {"family": "bridge", "table": "stratus", "name": "sgi_a", "handle": 2}}),
            json!({"rule": {"family": "bridge", "table": "stratus", "chain": "sgi_a", "handle": 7, "comment": "r1", "expr": []}}),
            json!({"rule": {"family": "bridge", "table": "stratus", "chain": "sgi_a", "handle": 9, "expr": []}}),
            json!({"set": {"name": "sg4_a", "type": "ipv4_addr", "elem": ["10.0.0.5", {"prefix": {"addr": "10.1.0.0", "len": 24}}]}}),
            json!({"map": {"name": "to_ports", "type": "ifname", "map": "verdict", "elem": [["tapx", {"jump": {"target": "t_x"}}]]}}),
        ];
        let l = Listing::parse(&objects);
        assert!(l.exists);
        assert_eq!(l.chains["sgi_a"], vec![(7, Some("r1".into())), (9, None)]);
        assert_eq!(l.sets["sg4_a"], vec!["10.0.0.5", "10.1.0.0/24"]);
        assert_eq!(l.sets["to_ports"], vec!["tapx"]);
        assert!(!Listing::parse(&[]).exists);
        assert_eq!(quote("a\"b"), "\"ab\"");
    }
}
