//! `kibana.json`: parsing and validation with Kibana's rules, checks and messages.
//!
//! The checks run in Kibana's order, so a manifest with several problems reports the same one
//! Kibana would. Two messages differ from Kibana's by necessity: a file that cannot be read
//! reports the operating system's message as Rust prints it, and text that is not JSON reports
//! serde_json's message (`EOF while parsing a value at line 1 column 0`) instead of Node's
//! (`Unexpected end of JSON input`).

mod fields;

use std::borrow::Cow;
use std::path::Path;

use self::fields::{FieldValue, ManifestFields};
use super::error::{DiscoveryErrorKind, PluginDiscoveryError};

/// A plugin's id (Kibana's `PluginName`): the `id` of its manifest.
pub type PluginName = String;

/// `kibanaVersion` value that declares compatibility with every Kibana version.
const ANY_KIBANA_VERSION: &str = "kibana";

/// A validated `kibana.json` with Kibana's defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginManifest {
    /// The plugin's id; never contains `.`.
    pub id: PluginName,
    /// The plugin's own version.
    pub version: String,
    /// The server version the plugin works with (defaults to `version`; `"kibana"` means any).
    pub kibana_version: String,
    /// The dotted config path of the plugin's settings (defaults to `id`; an array in the
    /// manifest is joined with `.`).
    pub config_path: String,
    /// Plugins that must be present and enabled for this one to run.
    pub required_plugins: Vec<PluginName>,
    /// Plugins this one uses when they are present and enabled.
    pub optional_plugins: Vec<PluginName>,
    /// Whether the plugin has a server part.
    pub server: bool,
    /// Whether the plugin has a browser part.
    pub ui: bool,
}

/// The largest `kibana.json` read: a manifest is a few hundred bytes; 1 MiB leaves room for
/// thousands of dependencies and keeps a runaway file from being read whole.
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;

impl PluginManifest {
    /// Parses and validates manifest `text` read from `manifest_path` (the path only names the
    /// manifest in errors) for a server whose version is `kibana_version`.
    ///
    /// # Arguments
    ///
    /// * `text` - the manifest's JSON text.
    /// * `manifest_path` - where the manifest was read from; only named in errors.
    /// * `kibana_version` - the server's version, such as `7.2.0`; the manifest's `kibanaVersion`
    ///   must equal it as `major.minor.patch` (`kibana` matches any).
    pub fn parse(
        text: &str,
        manifest_path: &str,
        kibana_version: &str,
    ) -> Result<Self, PluginDiscoveryError> {
        let invalid = |message: String| {
            PluginDiscoveryError::new(DiscoveryErrorKind::InvalidManifest, manifest_path, message)
        };
        let parsed = ManifestFields::parse(text).map_err(|e| invalid(e.to_string()))?;
        let Some(mut fields) = parsed else {
            return Err(invalid(
                "Plugin manifest must contain a JSON encoded object.".into(),
            ));
        };

        let id = match fields.take("id") {
            Some(FieldValue::Str(id)) if !id.is_empty() => id.into_owned(),
            _ => {
                return Err(invalid(
                    "Plugin manifest must contain an \"id\" property.".into(),
                ));
            }
        };
        if id.contains('.') {
            return Err(invalid(
                "Plugin \"id\" must not include `.` characters.".into(),
            ));
        }
        let version = match fields.take("version") {
            Some(FieldValue::Str(version)) if !version.is_empty() => version.into_owned(),
            _ => {
                return Err(invalid(format!(
                    "Plugin manifest for \"{id}\" must contain a \"version\" property."
                )));
            }
        };
        let config_path = config_path(&mut fields, &id).map_err(invalid)?;
        let required_plugins = plugin_list(&mut fields, "requiredPlugins", &id).map_err(invalid)?;
        let optional_plugins = plugin_list(&mut fields, "optionalPlugins", &id).map_err(invalid)?;

        let kibana_version_expected = match fields.take("kibanaVersion") {
            Some(FieldValue::Str(expected)) if !expected.is_empty() => expected.into_owned(),
            _ => version.clone(),
        };
        if !is_version_compatible(&kibana_version_expected, kibana_version) {
            return Err(PluginDiscoveryError::new(
                DiscoveryErrorKind::IncompatibleVersion,
                manifest_path,
                format!(
                    "Plugin \"{id}\" is only compatible with Kibana version \"{kibana_version_expected}\", but used Kibana version is \"{kibana_version}\"."
                ),
            ));
        }

        let server = matches!(fields.get("server"), Some(FieldValue::Bool(true)));
        let ui = matches!(fields.get("ui"), Some(FieldValue::Bool(true)));
        if !server && !ui {
            return Err(invalid(format!(
                "Both \"server\" and \"ui\" are missing or set to \"false\" in plugin manifest for \"{id}\", but at least one of these must be set to \"true\"."
            )));
        }

        if fields.unknown_keys().len() > 0 {
            let unknown: Vec<&str> = fields.unknown_keys().collect();
            return Err(invalid(format!(
                "Manifest for plugin \"{id}\" contains the following unrecognized properties: {}.",
                unknown.join(",")
            )));
        }

        Ok(Self {
            id,
            version,
            kibana_version: kibana_version_expected,
            config_path,
            required_plugins,
            optional_plugins,
            server,
            ui,
        })
    }

    /// Reads and validates the manifest file at `path`; an unreadable file is a
    /// `missing-manifest` error, one larger than [`MAX_MANIFEST_BYTES`] an `invalid-manifest`
    /// error (it is not read).
    ///
    /// # Arguments
    ///
    /// * `path` - the `kibana.json` file; at most `MAX_MANIFEST_BYTES`.
    /// * `kibana_version` - the server's version, such as `7.2.0`; the manifest's `kibanaVersion`
    ///   must equal it as `major.minor.patch` (`kibana` matches any).
    pub fn read(path: &Path, kibana_version: &str) -> Result<Self, PluginDiscoveryError> {
        use std::io::Read;
        let display = path.display().to_string();
        let missing = |e: std::io::Error| {
            PluginDiscoveryError::new(DiscoveryErrorKind::MissingManifest, &display, e.to_string())
        };
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|file| file.take(MAX_MANIFEST_BYTES + 1).read_to_string(&mut text))
            .map_err(missing)?;
        if text.len() as u64 > MAX_MANIFEST_BYTES {
            return Err(PluginDiscoveryError::new(
                DiscoveryErrorKind::InvalidManifest,
                &display,
                format!("Plugin manifest is larger than {MAX_MANIFEST_BYTES} bytes."),
            ));
        }
        Self::parse(&text, &display, kibana_version)
    }
}

/// `configPath`: absent (or empty) → the id; a string; or an array of strings joined with `.`.
fn config_path(fields: &mut ManifestFields<'_>, id: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "The \"configPath\" in plugin manifest for \"{id}\" should either be a string or an array of strings."
        )
    };
    let path = match fields.take("configPath") {
        None => Cow::Borrowed(""),
        Some(FieldValue::Str(path)) => path,
        Some(FieldValue::StrList(parts)) => Cow::Owned(parts.join(".")),
        Some(_) => return Err(bad()),
    };
    Ok(if path.is_empty() {
        id.to_owned()
    } else {
        path.into_owned()
    })
}

/// `requiredPlugins` / `optionalPlugins`: Kibana treats a non-array as `[]`; an array must hold
/// strings (Kibana did not check this; a Rust plugin list cannot hold anything else).
fn plugin_list(
    fields: &mut ManifestFields<'_>,
    key: &str,
    id: &str,
) -> Result<Vec<String>, String> {
    match fields.take(key) {
        Some(FieldValue::StrList(items)) => Ok(items.into_iter().map(Cow::into_owned).collect()),
        Some(FieldValue::MixedList) => Err(format!(
            "The \"{key}\" in plugin manifest for \"{id}\" should be an array of strings."
        )),
        _ => Ok(Vec::new()),
    }
}

/// Kibana's rule: `"kibana"` is always compatible; otherwise both versions, coerced to plain
/// `major.minor.patch`, must be equal. A version that cannot be coerced is incompatible.
fn is_version_compatible(expected: &str, actual: &str) -> bool {
    if expected == ANY_KIBANA_VERSION {
        return true;
    }
    match (coerce_version(expected), coerce_version(actual)) {
        (Some(expected), Some(actual)) => expected == actual,
        _ => false,
    }
}

/// node-semver's `coerce`: the first run of up to three dot-separated numbers in `version`
/// (missing parts are 0), so `7.0.0-alpha2` → `7.0.0` and `v7.1` → `7.1.0`.
fn coerce_version(version: &str) -> Option<(u64, u64, u64)> {
    let start = version.find(|c: char| c.is_ascii_digit())?;
    let mut parts = version[start..].split('.').map(|part| {
        let digits_end = part
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(part.len());
        (&part[..digits_end], digits_end == part.len())
    });
    let (major, mut whole) = parts.next()?;
    let mut numbers = [major.parse().ok()?, 0, 0];
    for slot in numbers.iter_mut().skip(1) {
        if !whole {
            break;
        }
        match parts.next() {
            Some((digits, rest_is_digits)) if !digits.is_empty() => {
                *slot = digits.parse().ok()?;
                whole = rest_is_digits;
            }
            _ => break,
        }
    }
    Some((numbers[0], numbers[1], numbers[2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coerces_like_node_semver() {
        assert_eq!(coerce_version("7.0.0-alpha2"), Some((7, 0, 0)));
        assert_eq!(coerce_version("v7.1"), Some((7, 1, 0)));
        assert_eq!(coerce_version("7"), Some((7, 0, 0)));
        assert_eq!(coerce_version("6.4.2"), Some((6, 4, 2)));
        assert_eq!(coerce_version("1.2.3.4"), Some((1, 2, 3)));
        assert_eq!(coerce_version("non-sem-ver"), None);
    }

    #[test]
    fn kibana_keyword_is_always_compatible() {
        assert!(is_version_compatible("kibana", "1.0.0"));
        assert!(is_version_compatible("7.0.0-alpha2", "7.0.0-alpha1"));
        assert!(!is_version_compatible("7.0.1", "7.0.0-alpha1"));
        assert!(!is_version_compatible("non-sem-ver", "7.0.0"));
    }
}
