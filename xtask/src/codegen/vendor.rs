//! Trimming Elasticsearch's REST API spec (7.4+ schema: `url.paths[]` with `path`, `methods`, `parts`) down to the
//! facts the endpoint table needs. Descriptions, documentation URLs, defaults and enum options are left out.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// Methods Elasticsearch's spec uses (and the official client can send).
const METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "HEAD"];

/// Reads every `<endpoint>.json` and `_common.json` in `dir` and returns the trimmed spec as pretty JSON.
pub(super) fn trim_spec_dir(dir: &Path) -> Result<String> {
    let mut common = None;
    let mut endpoints = BTreeMap::new();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?;
    let mut files: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let value: Value = serde_json::from_str(&text)
            .with_context(|| format!("invalid JSON in {}", path.display()))?;
        if path.file_name().is_some_and(|name| name == "_common.json") {
            common = Some(trim_params(value.get("params"), &path)?);
            continue;
        }
        let Some(object) = value.as_object() else {
            bail!("{}: expected an object", path.display())
        };
        for (name, endpoint) in object {
            let trimmed = trim_endpoint(endpoint)
                .with_context(|| format!("{}: endpoint {name}", path.display()))?;
            if endpoints.insert(name.clone(), trimmed).is_some() {
                bail!("{}: endpoint {name} is defined twice", path.display());
            }
        }
    }
    let Some(common) = common else {
        bail!("{} has no _common.json", dir.display())
    };
    if endpoints.is_empty() {
        bail!("{} has no endpoint files", dir.display());
    }
    let spec = json!({
        "source": "Elasticsearch REST API specification (Apache-2.0), trimmed by `cargo xtask codegen --vendor`",
        "common_params": common,
        "endpoints": endpoints,
    });
    Ok(serde_json::to_string_pretty(&spec)? + "\n")
}

fn trim_endpoint(endpoint: &Value) -> Result<Value> {
    let paths = endpoint
        .pointer("/url/paths")
        .and_then(Value::as_array)
        .context("missing url.paths (the spec must use the 7.4+ schema)")?;
    let mut trimmed_paths = Vec::new();
    for path in paths {
        let template = path
            .get("path")
            .and_then(Value::as_str)
            .context("a url path has no `path`")?;
        let methods: Vec<&str> = path
            .get("methods")
            .and_then(Value::as_array)
            .with_context(|| format!("{template}: no methods"))?
            .iter()
            .map(|method| {
                method
                    .as_str()
                    .filter(|m| METHODS.contains(m))
                    .with_context(|| format!("{template}: unsupported method {method}"))
            })
            .collect::<Result<_>>()?;
        if methods.is_empty() {
            bail!("{template}: no methods");
        }
        let mut parts = BTreeMap::new();
        if let Some(declared) = path.get("parts").and_then(Value::as_object) {
            for (name, part) in declared {
                let ty = part
                    .get("type")
                    .and_then(Value::as_str)
                    .with_context(|| format!("{template}: part {name} has no type"))?;
                parts.insert(name.clone(), ty.to_owned());
            }
        }
        for placeholder in placeholders(template)? {
            if !parts.contains_key(placeholder) {
                bail!("{template}: placeholder {{{placeholder}}} has no part");
            }
        }
        let mut entry = json!({ "path": template, "methods": methods, "parts": parts });
        if path.get("deprecated").is_some() {
            entry["deprecated"] = Value::Bool(true);
        }
        trimmed_paths.push(entry);
    }
    let params = trim_params(endpoint.get("params"), Path::new("params"))?;
    let body = match endpoint.get("body") {
        None | Some(Value::Null) => Value::Null,
        Some(body) => json!({
            "required": body.get("required").and_then(Value::as_bool).unwrap_or(false),
            "ndjson": body.get("serialize").and_then(Value::as_str) == Some("bulk"),
        }),
    };
    Ok(json!({ "paths": trimmed_paths, "params": params, "body": body }))
}

fn trim_params(params: Option<&Value>, origin: &Path) -> Result<BTreeMap<String, String>> {
    let mut trimmed = BTreeMap::new();
    if let Some(params) = params.and_then(Value::as_object) {
        for (name, param) in params {
            let ty = param
                .get("type")
                .and_then(Value::as_str)
                .with_context(|| format!("{}: param {name} has no type", origin.display()))?;
            trimmed.insert(name.clone(), ty.to_owned());
        }
    }
    Ok(trimmed)
}

/// The `{name}` placeholders of a path template, in order.
pub(super) fn placeholders(template: &str) -> Result<Vec<&str>> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            bail!("{template}: unclosed {{")
        };
        names.push(&rest[start + 1..start + len]);
        rest = &rest[start + len + 1..];
    }
    Ok(names)
}
