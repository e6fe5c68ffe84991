//! The schema reference (`docs/terraform-reference.md`), rendered from the
//! schemas the provider serves, so the document cannot drift from the
//! code: a test compares it, and `STRATUS_BLESS=1` rewrites it.

use std::collections::HashMap;
use std::fmt::Write;

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, NestedBlock, Schema,
};
use tf_provider::{Diagnostics, Provider};

use crate::config;
use crate::provider::Stratus;

fn type_name(t: &AttributeType) -> String {
    match t {
        AttributeType::String => "string".into(),
        AttributeType::Number => "number".into(),
        AttributeType::Bool => "bool".into(),
        AttributeType::List(t) => format!("list({})", type_name(t)),
        AttributeType::Set(t) => format!("set({})", type_name(t)),
        AttributeType::Map(t) => format!("map({})", type_name(t)),
        AttributeType::Object(fields) => {
            let mut names: Vec<_> = fields
                .iter()
                .map(|(n, t)| format!("{n} = {}", type_name(t)))
                .collect();
            names.sort();
            format!("object({{ {} }})", names.join(", "))
        }
        AttributeType::Tuple(ts) => format!(
            "tuple([{}])",
            ts.iter().map(type_name).collect::<Vec<_>>().join(", ")
        ),
        AttributeType::AttributeSingle(_)
        | AttributeType::AttributeList(_)
        | AttributeType::AttributeSet(_)
        | AttributeType::AttributeMap(_) => "nested attributes".into(),
        AttributeType::Any => "any".into(),
    }
}

fn kind_of(a: &Attribute) -> &'static str {
    match a.constraint {
        AttributeConstraint::Required => "required",
        AttributeConstraint::Optional => "optional",
        AttributeConstraint::OptionalComputed => "optional, computed",
        AttributeConstraint::Computed => "computed",
    }
}

fn sorted<T>(m: &HashMap<String, T>) -> Vec<(&String, &T)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

/// One line of a table: the text without line breaks or pipes.
fn cell(s: &str) -> String {
    s.replace('\n', " ").replace('|', "\\|")
}

fn block(out: &mut String, b: &Block, heading: &str) {
    let _ = writeln!(out, "| Attribute | Type | | Description |");
    let _ = writeln!(out, "|---|---|---|---|");
    for (name, a) in sorted(&b.attributes) {
        let sensitive = if a.sensitive { ", sensitive" } else { "" };
        let _ = writeln!(
            out,
            "| `{name}` | {} | {}{sensitive} | {} |",
            type_name(&a.attr_type),
            kind_of(a),
            cell(&a.description.content)
        );
    }
    for (name, nested) in sorted(&b.blocks) {
        let (how, inner) = match nested {
            NestedBlock::Single(b) => ("exactly one", b),
            NestedBlock::List(b) => ("any number, in order", b),
            NestedBlock::Set(b) => ("any number, unordered", b),
            NestedBlock::Map(b) => ("any number, by name", b),
            NestedBlock::Group(b) | NestedBlock::Optional(b) => ("at most one", b),
        };
        let _ = writeln!(
            out,
            "\n{heading} Block `{name}` ({how})\n\n{}\n",
            cell(&inner.description.content)
        );
        block(out, inner, &format!("{heading}#"));
    }
}

fn section(out: &mut String, title: &str, schema: &Schema) {
    let _ = writeln!(
        out,
        "\n## {title}\n\n{}\n",
        schema.block.description.content.trim()
    );
    block(out, &schema.block, "###");
}

/// The whole reference, in markdown.
pub fn markdown() -> String {
    let provider = Stratus::default();
    let mut diags = Diagnostics::default();
    let mut out = String::from(
        "# Terraform provider reference\n\n\
         Generated from the schemas `terraform-provider-stratus` serves \
         (`terraform/src/reference.rs`; a test fails when this file is out of \
         date, `STRATUS_BLESS=1` rewrites it). Every resource also takes a \
         `timeouts { create, update, delete }` block and imports by its `id`; \
         the examples are in `terraform/examples/<name>/`.\n",
    );
    section(&mut out, "Provider `stratus`", &config::schema());
    let mut resources: Vec<_> = provider
        .get_resources(&mut diags)
        .unwrap_or_default()
        .into_iter()
        .collect();
    resources.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, r) in resources {
        if let Some(s) = r.schema(&mut diags) {
            section(&mut out, &format!("Resource `stratus_{name}`"), &s);
        }
    }
    let mut sources: Vec<_> = provider
        .get_data_sources(&mut diags)
        .unwrap_or_default()
        .into_iter()
        .collect();
    sources.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, d) in sources {
        if let Some(s) = d.schema(&mut diags) {
            section(&mut out, &format!("Data source `stratus_{name}`"), &s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn schema_reference_is_current() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/terraform-reference.md"
        );
        let want = super::markdown();
        if std::env::var_os("STRATUS_BLESS").is_some() {
            std::fs::write(path, &want).expect("write the reference");
            return;
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/terraform-reference.md is out of date: run STRATUS_BLESS=1 cargo nextest run -p terraform-provider-stratus"
        );
    }
}
