//! Kibana-style generic overrides on the command line: `--server.basePath=/kbn` or
//! `--server.basePath /kbn`. Any flag whose name contains a `.` is a config key; its value is
//! read as a YAML scalar (`5602` is a number, `true` a boolean, `[a, b]` a list, `null` null,
//! anything else a string), like a value written in `kibana.yml`.

use std::ffi::OsString;

use serde_json::Value;

/// A config key set on the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigOverride {
    /// The dotted key, e.g. `server.basePath`.
    pub key: String,
    /// The value, parsed as YAML.
    pub value: Value,
}

/// Why the command line's overrides could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    /// `--some.key` was the last argument.
    #[error("the config override --{0} needs a value (--{0}=<value> or --{0} <value>)")]
    MissingValue(String),
    /// The value of `--some.key` is not valid UTF-8 (config values are text).
    #[error("the value of the config override --{0} is not valid UTF-8")]
    NotUtf8(String),
}

/// Splits `args` (without the program name) into the generic overrides and the rest, which the
/// clap parser reads. Everything after `--` is left alone.
///
/// # Arguments
///
/// * `args` - the command-line arguments after the program name.
pub fn split_overrides(
    args: impl IntoIterator<Item = OsString>,
) -> Result<(Vec<ConfigOverride>, Vec<OsString>), OverrideError> {
    let mut overrides = Vec::new();
    let mut rest = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Bytes, not `to_str`: a flag whose value is not UTF-8 is still a config override, and
        // must be reported as one rather than passed on to clap as an unknown argument.
        let Some(flag) = arg.as_encoded_bytes().strip_prefix(b"--") else {
            rest.push(arg);
            continue;
        };
        if flag.is_empty() {
            rest.push(arg);
            rest.extend(args);
            break;
        }
        let (name, inline_value) = match flag.iter().position(|byte| *byte == b'=') {
            Some(at) => (&flag[..at], Some(&flag[at + 1..])),
            None => (flag, None),
        };
        let Some(name) = std::str::from_utf8(name)
            .ok()
            .filter(|name| name.contains('.'))
        else {
            rest.push(arg);
            continue;
        };
        let not_utf8 = || OverrideError::NotUtf8(name.to_owned());
        let text = match inline_value {
            Some(value) => std::str::from_utf8(value)
                .map_err(|_| not_utf8())?
                .to_owned(),
            None => match args.next() {
                Some(value) => value.into_string().map_err(|_| not_utf8())?,
                None => return Err(OverrideError::MissingValue(name.to_owned())),
            },
        };
        overrides.push(ConfigOverride {
            key: name.to_owned(),
            value: parse_scalar(&text),
        });
    }
    Ok((overrides, rest))
}

/// A YAML scalar (or flow collection); text YAML cannot read stays a string.
///
/// # Arguments
///
/// * `text` - the value of one `--key=value` flag.
pub fn parse_scalar(text: &str) -> Value {
    match serde_yaml_ng::from_str::<Value>(text) {
        // An empty value is an empty string, not YAML's null.
        Ok(Value::Null) if text.trim().is_empty() => Value::String(String::new()),
        Ok(value) => value,
        Err(_) => Value::String(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// `(key, value)` overrides and the arguments left for clap.
    type Split = (Vec<(String, Value)>, Vec<String>);

    fn split(args: &[&str]) -> Result<Split, OverrideError> {
        let (overrides, rest) = split_overrides(args.iter().map(OsString::from))?;
        Ok((
            overrides.into_iter().map(|o| (o.key, o.value)).collect(),
            rest.into_iter().map(|a| a.into_string().unwrap()).collect(),
        ))
    }

    #[test]
    fn dotted_flags_are_overrides_and_the_rest_goes_to_clap() {
        let (overrides, rest) = split(&[
            "--server.basePath=/kbn",
            "-c",
            "a.yml",
            "--server.port",
            "5602",
            "--dev",
            "--config=b.yml",
            "--elasticsearch.hosts=[http://a:9200, http://b:9200]",
            "--greeting.enabled",
            "false",
        ])
        .unwrap();
        assert_eq!(
            overrides,
            [
                ("server.basePath".to_owned(), json!("/kbn")),
                ("server.port".to_owned(), json!(5602)),
                (
                    "elasticsearch.hosts".to_owned(),
                    json!(["http://a:9200", "http://b:9200"])
                ),
                ("greeting.enabled".to_owned(), json!(false)),
            ]
        );
        assert_eq!(rest, ["-c", "a.yml", "--dev", "--config=b.yml"]);
    }

    #[test]
    fn values_are_yaml_scalars() {
        assert_eq!(parse_scalar("5602"), json!(5602));
        assert_eq!(parse_scalar("1.5"), json!(1.5));
        assert_eq!(parse_scalar("true"), json!(true));
        assert_eq!(parse_scalar("null"), json!(null));
        assert_eq!(parse_scalar(""), json!(""));
        assert_eq!(parse_scalar("'5602'"), json!("5602"));
        assert_eq!(parse_scalar("Hello, world"), json!("Hello, world"));
        assert_eq!(parse_scalar("a: [unclosed"), json!("a: [unclosed"));
    }

    #[test]
    fn a_missing_value_names_the_key_and_double_dash_ends_overrides() {
        assert_eq!(
            split(&["--server.port"]).unwrap_err().to_string(),
            "the config override --server.port needs a value (--server.port=<value> or --server.port <value>)"
        );
        let (overrides, rest) = split(&["--", "--server.port=1"]).unwrap();
        assert!(overrides.is_empty());
        assert_eq!(rest, ["--", "--server.port=1"]);
    }

    /// A value that is not UTF-8 is named as such, whether inline or separate; it used to go
    /// to the flag parser as an unknown argument (inline) or be replaced lossily (separate).
    #[cfg(unix)]
    #[test]
    fn a_value_that_is_not_utf8_is_named() {
        use std::os::unix::ffi::OsStringExt;
        let inline = OsString::from_vec(b"--server.host=\xff".to_vec());
        assert_eq!(
            split_overrides([inline]).unwrap_err().to_string(),
            "the value of the config override --server.host is not valid UTF-8"
        );
        let separate = [
            OsString::from("--server.host"),
            OsString::from_vec(b"\xfe".to_vec()),
        ];
        assert_eq!(
            split_overrides(separate).unwrap_err(),
            OverrideError::NotUtf8("server.host".to_owned())
        );
        // Not a config key: left to the flag parser as before.
        let other = OsString::from_vec(b"--verbose\xff".to_vec());
        assert_eq!(split_overrides([other.clone()]).unwrap().1, vec![other]);
    }
}
