//! What every resource shares, so each one only says how it maps onto its
//! API: [`Kind`] (schema, create/read/update/delete, what forces a
//! replacement) and [`Adapter`], which implements tf-provider's protocol for
//! any `Kind`: computed attributes unknown until applied, `RequiresReplace`
//! only for the attributes a kind names (with the reason as a warning), the
//! id kept in state as soon as the API returned it even when a later step
//! fails, `timeouts` blocks, import by id, a resource gone outside
//! Terraform dropped from state on refresh, and diagnostics that name the
//! attribute.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};
use tf_provider::value::{Value, ValueAny, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::client::{ApiError, Client};
use crate::wait::Deadline;

/// The client, once the provider is configured.
#[derive(Clone, Default)]
pub struct Shared(Arc<RwLock<Option<Arc<Client>>>>);

impl Shared {
    pub fn set(&self, client: Client) {
        if let Ok(mut g) = self.0.write() {
            *g = Some(Arc::new(client));
        }
    }
    pub(crate) fn get(&self, diags: &mut Diagnostics) -> Option<Arc<Client>> {
        let c = self.0.read().ok().and_then(|g| g.clone());
        if c.is_none() {
            diags.root_error_short("the provider is not configured");
        }
        c
    }
}

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A value the API or the provider refuses, naming its attribute.
    #[error("{attr}: {message}")]
    Attr { attr: String, message: String },
    #[error("{0}")]
    Failed(String),
}

impl Error {
    pub fn attr(attr: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Attr {
            attr: attr.into(),
            message: message.into(),
        }
    }
    pub(crate) fn report(&self, diags: &mut Diagnostics, what: &str) {
        match self {
            Error::Attr { attr, message } => diags.error(
                format!("{what}: invalid {attr}"),
                message.clone(),
                path_of(attr),
            ),
            other => diags.root_error(what.to_owned(), other.to_string()),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An attribute path from `a.b` notation.
fn path_of(attr: &str) -> AttributePath {
    let mut parts = attr.split('.');
    let mut path = AttributePath::new(parts.next().unwrap_or_default().to_owned());
    for p in parts {
        path = match p.parse::<i64>() {
            Ok(i) => path.index(i),
            Err(_) => path.attribute(p.to_owned()),
        };
    }
    path
}

/// The `timeouts { create, update, delete }` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeouts {
    pub create: Value<String>,
    pub update: Value<String>,
    pub delete: Value<String>,
}

/// What the provider keeps beside the state: whether the object was
/// imported (so write-only attributes can be filled in without a
/// replacement).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Private {
    pub imported: bool,
}

/// What the framework needs of every state: its id and timeouts.
pub trait Meta {
    fn id(&self) -> Option<&str>;
    fn set_id(&mut self, id: String);
    fn timeouts(&self) -> &Value<Timeouts>;
    fn set_timeouts(&mut self, timeouts: Value<Timeouts>);
}

/// Implements [`Meta`] for a state with `id: Value<String>` and
/// `timeouts: Value<Timeouts>` fields.
#[macro_export]
macro_rules! meta {
    ($t:ty) => {
        impl $crate::framework::Meta for $t {
            fn id(&self) -> Option<&str> {
                self.id.as_ref_option().map(String::as_str)
            }
            fn set_id(&mut self, id: String) {
                self.id = tf_provider::value::Value::Value(id);
            }
            fn timeouts(&self) -> &tf_provider::value::Value<$crate::framework::Timeouts> {
                &self.timeouts
            }
            fn set_timeouts(
                &mut self,
                timeouts: tf_provider::value::Value<$crate::framework::Timeouts>,
            ) {
                self.timeouts = timeouts;
            }
        }
    };
}

/// Which operation a timeout is for.
#[derive(Clone, Copy)]
pub enum Op {
    Create,
    Update,
    Delete,
}

/// One resource type: its schema and how it maps onto its API.
#[async_trait]
pub trait Kind: Send + Sync + 'static {
    type State: Serialize + DeserializeOwned + Clone + PartialEq + Default + Send + Sync + Meta;

    /// The resource's description (markdown).
    const DESCRIPTION: &'static str;
    /// Attributes whose change the API cannot make in place.
    const REPLACE: &'static [&'static str] = &[];
    /// Attributes the API never shows (user data, a file path): after an
    /// import they are null in state, and their first value then updates
    /// the state in place instead of replacing the object.
    const WRITE_ONLY: &'static [&'static str] = &[];
    /// Default timeouts in seconds: create, update, delete.
    const TIMEOUTS: (u64, u64, u64) = (600, 600, 600);

    /// The attributes (the framework adds `id` and the `timeouts` block).
    fn attributes(&self) -> Vec<(&'static str, Attribute)>;
    fn blocks(&self) -> Vec<(&'static str, NestedBlock)> {
        Vec::new()
    }

    /// Checks a configuration before any call (unknown values pass).
    fn validate(&self, config: &Self::State) -> Vec<Error> {
        let _ = config;
        Vec::new()
    }

    /// Planning beyond the generic rules: values an update will change set
    /// to unknown; on an update (`prior` given), the replacements the kind
    /// decides itself, each with the reason the plan shows.
    async fn plan(
        &self,
        client: &Client,
        prior: Option<&Self::State>,
        planned: &mut Self::State,
    ) -> Result<Vec<(String, String)>> {
        let _ = (client, prior, planned);
        Ok(Vec::new())
    }

    /// Creates; stores the id in `id` as soon as the API returned it, so a
    /// later failure (a build that ends in ERROR) leaves it in state.
    async fn create(
        &self,
        client: &Client,
        plan: &Self::State,
        deadline: Deadline,
        id: &mut Option<String>,
    ) -> Result<Self::State>;
    /// The object as the API has it now, `None` when it is gone.
    async fn read(&self, client: &Client, state: &Self::State) -> Result<Option<Self::State>>;
    async fn update(
        &self,
        client: &Client,
        prior: &Self::State,
        plan: &Self::State,
        deadline: Deadline,
    ) -> Result<Self::State>;
    async fn delete(&self, client: &Client, state: &Self::State, deadline: Deadline) -> Result<()>;

    /// The state an import id names, to be read (the id itself by default;
    /// composite ids are split by the kinds that have them).
    fn import_state(&self, id: &str) -> Result<Self::State> {
        let mut s = Self::State::default();
        s.set_id(id.to_owned());
        Ok(s)
    }
}

/// A [`Kind`] served over the plugin protocol.
pub struct Adapter<K> {
    pub kind: K,
    pub client: Shared,
}

impl<K: Kind> Adapter<K> {
    fn computed(&self) -> Vec<&'static str> {
        self.kind
            .attributes()
            .into_iter()
            .filter(|(_, a)| {
                matches!(
                    a.constraint,
                    AttributeConstraint::Computed | AttributeConstraint::OptionalComputed
                )
            })
            .map(|(n, _)| n)
            .collect()
    }

    fn deadline(&self, state: &K::State, op: Op) -> Deadline {
        let (c, u, d) = K::TIMEOUTS;
        let (given, default) = match (state.timeouts(), op) {
            (Value::Value(t), Op::Create) => (t.create.as_ref_option().cloned(), c),
            (Value::Value(t), Op::Update) => (t.update.as_ref_option().cloned(), u),
            (Value::Value(t), Op::Delete) => (t.delete.as_ref_option().cloned(), d),
            _ => (
                None,
                match op {
                    Op::Create => c,
                    Op::Update => u,
                    Op::Delete => d,
                },
            ),
        };
        let dur = given
            .and_then(|g| parse_duration(&g).ok())
            .unwrap_or(Duration::from_secs(default));
        Deadline::after(dur)
    }
}

/// Go's duration syntax, as Terraform's `timeouts` use it: `30s`, `10m`,
/// `1h30m`.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let mut total = 0f64;
    let mut num = String::new();
    let mut seen = false;
    let mut chars = s.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600.0,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                0.001
            }
            'm' => 60.0,
            's' => 1.0,
            _ => return Err(format!("{s:?} is not a duration like 30s, 10m or 1h30m")),
        };
        let n: f64 = num
            .parse()
            .map_err(|_| format!("{s:?} is not a duration like 30s, 10m or 1h30m"))?;
        total += n * unit;
        num.clear();
        seen = true;
    }
    if !num.is_empty() || !seen {
        return Err(format!("{s:?} is not a duration like 30s, 10m or 1h30m"));
    }
    Ok(Duration::from_secs_f64(total))
}

/// The state as a map of attribute to value (for the generic rules).
fn to_any<T: Serialize>(t: &T) -> Option<std::collections::BTreeMap<String, ValueAny>> {
    let bytes = rmp_serde::to_vec_named(t).ok()?;
    match rmp_serde::from_slice::<ValueAny>(&bytes).ok()? {
        ValueAny::Map(m) => Some(m),
        _ => None,
    }
}

fn from_any<T: DeserializeOwned>(m: std::collections::BTreeMap<String, ValueAny>) -> Option<T> {
    let bytes = rmp_serde::to_vec_named(&ValueAny::Map(m)).ok()?;
    rmp_serde::from_slice(&bytes).ok()
}

/// Unknown and null values in a state become null (what is saved after a
/// failed create).
fn settle<T: Serialize + DeserializeOwned>(t: T) -> T {
    fn walk(v: ValueAny) -> ValueAny {
        match v {
            ValueAny::Unknown => ValueAny::Null,
            ValueAny::Map(m) => ValueAny::Map(m.into_iter().map(|(k, v)| (k, walk(v))).collect()),
            ValueAny::List(l) => ValueAny::List(l.into_iter().map(walk).collect()),
            other => other,
        }
    }
    match to_any(&t) {
        Some(m) => from_any(m.into_iter().map(|(k, v)| (k, walk(v))).collect()).unwrap_or(t),
        None => t,
    }
}

fn timeouts_block() -> NestedBlock {
    let attr = |what: &str| Attribute {
        attr_type: AttributeType::String,
        description: Description::markdown(format!(
            "How long to wait for the {what} (Go duration: `30s`, `10m`, `1h`)."
        )),
        constraint: AttributeConstraint::Optional,
        ..Default::default()
    };
    NestedBlock::Optional(Block {
        attributes: HashMap::from([
            ("create".to_owned(), attr("create")),
            ("update".to_owned(), attr("update")),
            ("delete".to_owned(), attr("delete")),
        ]),
        description: Description::plain("Timeouts of the operations"),
        ..Default::default()
    })
}

/// A kind's description, with what a change of replaces it.
fn description<K: Kind>() -> String {
    if K::REPLACE.is_empty() {
        return K::DESCRIPTION.to_owned();
    }
    let names: Vec<String> = K::REPLACE.iter().map(|a| format!("`{a}`")).collect();
    format!(
        "{} A change of {} replaces it.",
        K::DESCRIPTION,
        names.join(", ")
    )
}

/// The schema of a kind, with its `id` and `timeouts`.
pub fn schema_of<K: Kind>(kind: &K) -> Schema {
    let mut attributes: HashMap<String, Attribute> = kind
        .attributes()
        .into_iter()
        .map(|(n, a)| (n.to_owned(), a))
        .collect();
    attributes.insert(
        "id".into(),
        Attribute {
            attr_type: AttributeType::String,
            description: Description::plain("The object's id"),
            constraint: AttributeConstraint::Computed,
            ..Default::default()
        },
    );
    let mut blocks: HashMap<String, NestedBlock> = kind
        .blocks()
        .into_iter()
        .map(|(n, b)| (n.to_owned(), b))
        .collect();
    blocks.insert("timeouts".into(), timeouts_block());
    Schema {
        version: 1,
        block: Block {
            version: 1,
            attributes,
            blocks,
            description: Description::markdown(description::<K>()),
            deprecated: false,
        },
    }
}

#[async_trait]
impl<K: Kind> Resource for Adapter<K> {
    type State<'a> = K::State;
    type PrivateState<'a> = Value<Private>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema_of(&self.kind))
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(t) = config.timeouts() {
            for (name, v) in [
                ("create", &t.create),
                ("update", &t.update),
                ("delete", &t.delete),
            ] {
                if let Value::Value(s) = v
                    && let Err(e) = parse_duration(s)
                {
                    diags.error(
                        "invalid timeout",
                        e,
                        AttributePath::new("timeouts").index(0).attribute(name),
                    );
                }
            }
        }
        for e in self.kind.validate(&config) {
            e.report(diags, "invalid configuration");
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.client.get(diags)?;
        match self.kind.read(&client, &state).await {
            Ok(Some(mut s)) => {
                // What Terraform manages, not the API: the timeouts.
                s.set_timeouts(state.timeouts().clone());
                Some((s, private_state))
            }
            // Gone outside Terraform: dropped from state.
            Ok(None) => None,
            Err(e) => {
                e.report(diags, "read failed");
                Some((state, private_state))
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        _config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let mut m = to_any(&proposed)?;
        m.insert("id".into(), ValueAny::Unknown);
        for attr in self.computed() {
            if matches!(m.get(attr), None | Some(ValueAny::Null)) {
                m.insert(attr.into(), ValueAny::Unknown);
            }
        }
        let mut planned: K::State = from_any(m)?;
        if let Some(client) = self.client.get(diags)
            && let Err(e) = self.kind.plan(&client, None, &mut planned).await
        {
            e.report(diags, "plan failed");
        }
        Some((planned, Value::Null))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let before = to_any(&prior)?;
        let after = to_any(&proposed)?;
        let imported = matches!(&private, Value::Value(Private { imported: true }));
        let mut replace = Vec::new();
        for attr in K::REPLACE {
            let first_value_after_import = imported
                && K::WRITE_ONLY.contains(attr)
                && matches!(before.get(*attr), None | Some(ValueAny::Null));
            if before.get(*attr) != after.get(*attr) && !first_value_after_import {
                replace.push(AttributePath::new(*attr));
            }
        }
        let mut planned = proposed;
        let client = self.client.get(diags)?;
        match self.kind.plan(&client, Some(&prior), &mut planned).await {
            Ok(extra) => {
                for (attr, why) in extra {
                    diags.warning("this change replaces the resource", why, path_of(&attr));
                    replace.push(path_of(&attr));
                }
            }
            Err(e) => e.report(diags, "plan failed"),
        }
        Some((planned, private, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.client.get(diags)?;
        let deadline = self.deadline(&planned, Op::Create);
        let mut id = None;
        match self.kind.create(&client, &planned, deadline, &mut id).await {
            Ok(mut s) => {
                s.set_timeouts(planned.timeouts().clone());
                Some((s, private))
            }
            Err(e) => {
                e.report(diags, "create failed");
                // Made but not finished: kept in state (tainted) so the next
                // apply deletes it instead of leaking it.
                let id = id?;
                let mut s = settle(planned);
                s.set_id(id);
                Some((s, private))
            }
        }
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.client.get(diags)?;
        let deadline = self.deadline(&planned, Op::Update);
        let _ = private;
        let private = Value::Null;
        match self.kind.update(&client, &prior, &planned, deadline).await {
            Ok(mut s) => {
                s.set_timeouts(planned.timeouts().clone());
                Some((s, private))
            }
            Err(e) => {
                e.report(diags, "update failed");
                // What the API has now, so the next plan shows what is left.
                match self.kind.read(&client, &prior).await {
                    Ok(Some(mut s)) => {
                        s.set_timeouts(prior.timeouts().clone());
                        Some((s, private))
                    }
                    _ => Some((prior, private)),
                }
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let client = self.client.get(diags)?;
        let deadline = self.deadline(&prior, Op::Delete);
        match self.kind.delete(&client, &prior, deadline).await {
            Ok(()) => Some(()),
            Err(e) => {
                e.report(diags, "delete failed");
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let client = self.client.get(diags)?;
        let state = match self.kind.import_state(&id) {
            Ok(s) => s,
            Err(e) => {
                e.report(diags, "import failed");
                return None;
            }
        };
        match self.kind.read(&client, &state).await {
            Ok(Some(s)) => Some((s, Value::Value(Private { imported: true }))),
            Ok(None) => {
                diags.root_error(
                    "import failed",
                    format!(
                        "no object {id:?} to import (not found, or not visible to this project)"
                    ),
                );
                None
            }
            Err(e) => {
                e.report(diags, "import failed");
                None
            }
        }
    }
}

/// Attribute helpers for schemas.
pub mod attr {
    use super::*;

    fn make(t: AttributeType, c: AttributeConstraint, doc: &str, sensitive: bool) -> Attribute {
        Attribute {
            attr_type: t,
            description: Description::markdown(doc),
            constraint: c,
            sensitive,
            ..Default::default()
        }
    }
    pub fn required(t: AttributeType, doc: &str) -> Attribute {
        make(t, AttributeConstraint::Required, doc, false)
    }
    pub fn optional(t: AttributeType, doc: &str) -> Attribute {
        make(t, AttributeConstraint::Optional, doc, false)
    }
    /// Optional; the API's value when not given.
    pub fn defaulted(t: AttributeType, doc: &str) -> Attribute {
        make(t, AttributeConstraint::OptionalComputed, doc, false)
    }
    pub fn computed(t: AttributeType, doc: &str) -> Attribute {
        make(t, AttributeConstraint::Computed, doc, false)
    }
    pub fn sensitive(mut a: Attribute) -> Attribute {
        a.sensitive = true;
        a
    }
    pub fn string() -> AttributeType {
        AttributeType::String
    }
    pub fn number() -> AttributeType {
        AttributeType::Number
    }
    pub fn bool() -> AttributeType {
        AttributeType::Bool
    }
    pub fn set_of_strings() -> AttributeType {
        AttributeType::Set(Box::new(AttributeType::String))
    }
    pub fn list_of_strings() -> AttributeType {
        AttributeType::List(Box::new(AttributeType::String))
    }
    pub fn map_of_strings() -> AttributeType {
        AttributeType::Map(Box::new(AttributeType::String))
    }
}

/// Reads an optional known value out of a state field.
pub fn known<T: Clone>(v: &Value<T>) -> Option<T> {
    v.as_ref_option().cloned()
}

/// An enum's name on the wire (`"in-use"`, `"ACTIVE"`, `"private"`).
pub fn wire<T: Serialize>(t: &T) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// What an update sends for an attribute: its planned value when the plan
/// changes it, nothing when it stays as it was.
pub fn changed<T: Clone + PartialEq>(prior: &Value<T>, plan: &Value<T>) -> Option<T> {
    if prior == plan { None } else { known(plan) }
}

/// A set of strings as Terraform sends it: any element may be unknown
/// while planning.
pub type StringSet = Value<std::collections::BTreeSet<Value<String>>>;
/// A list of strings, elements possibly unknown.
pub type StringList = Value<Vec<Value<String>>>;
/// A map of strings, values possibly unknown.
pub type StringMap = Value<std::collections::BTreeMap<String, Value<String>>>;

/// The known elements of a set or list.
pub fn strings<'a, I: IntoIterator<Item = &'a Value<String>>>(v: Option<I>) -> Option<Vec<String>> {
    v.map(|i| {
        i.into_iter()
            .filter_map(|s| s.as_ref_option().cloned())
            .collect()
    })
}

pub fn set_of(v: &StringSet) -> Option<Vec<String>> {
    strings(v.as_ref_option())
}

pub fn list_of(v: &StringList) -> Option<Vec<String>> {
    strings(v.as_ref_option())
}

pub fn map_of(v: &StringMap) -> Option<std::collections::BTreeMap<String, String>> {
    v.as_ref_option().map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_ref_option().map(|v| (k.clone(), v.clone())))
            .collect()
    })
}

pub fn to_set<I: IntoIterator<Item = String>>(i: I) -> StringSet {
    Value::Value(i.into_iter().map(Value::Value).collect())
}

pub fn to_list<I: IntoIterator<Item = String>>(i: I) -> StringList {
    Value::Value(i.into_iter().map(Value::Value).collect())
}

pub fn to_map<I: IntoIterator<Item = (String, String)>>(i: I) -> StringMap {
    Value::Value(i.into_iter().map(|(k, v)| (k, Value::Value(v))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_go_syntax() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("ten minutes").is_err());
        assert!(parse_duration("").is_err());
    }

    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    struct S {
        id: Value<String>,
        name: Value<String>,
        n: Value<i64>,
        tags: Value<std::collections::BTreeSet<String>>,
        #[serde(with = "tf_provider::value::serde_as_vec")]
        timeouts: Value<Timeouts>,
    }

    #[test]
    fn unknowns_settle_to_null_and_round_trip() {
        let s = S {
            id: Value::Unknown,
            name: Value::Value("a".into()),
            n: Value::Unknown,
            tags: Value::Value(["x".to_owned()].into()),
            timeouts: Value::Value(Timeouts {
                create: Value::Value("5m".into()),
                ..Default::default()
            }),
        };
        let m = to_any(&s).expect("any");
        assert_eq!(m.get("id"), Some(&ValueAny::Unknown));
        let back: S = from_any(m).expect("back");
        assert_eq!(back, s);
        let settled = settle(s.clone());
        assert_eq!(settled.id, Value::Null);
        assert_eq!(settled.n, Value::Null);
        assert_eq!(settled.name, s.name);
        assert_eq!(settled.timeouts, s.timeouts);
    }
}
