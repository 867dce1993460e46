//! `kibana-mapping.md`: each item of the seed's `kibana-plugin-server` index mapped to its Rust counterpart's page.
//!
//! The table below is maintained by hand. Generation fails, naming the seed item, when a mapped Rust path has no
//! page, so the mapping cannot silently rot when an item is renamed or moved.

use anyhow::{Result, bail};

use super::markdown::{cell, table};
use super::render::HEADER;

/// One item of the seed index and where it went.
pub(crate) struct SeedItem {
    /// The name in `kibana-plugin-server.md`.
    pub(crate) name: &'static str,
    /// Its kind there: class, interface or type alias.
    pub(crate) kibana_kind: &'static str,
    /// The public Rust path of the counterpart and a note on how its shape differs (or that it does not), or
    /// `None` for an item without a counterpart (refused when [`REQUIRE_COMPLETE`] is set).
    pub(crate) rust: Option<(&'static str, &'static str)>,
}

const fn seed(
    name: &'static str,
    kibana_kind: &'static str,
    rust: Option<(&'static str, &'static str)>,
) -> SeedItem {
    SeedItem {
        name,
        kibana_kind,
        rust,
    }
}

/// When true, a seed item without a Rust counterpart fails generation.
pub(crate) const REQUIRE_COMPLETE: bool = true;

/// The 36 items of the seed index, in its order (classes, interfaces, type aliases).
pub(crate) const SEED: &[SeedItem] = &[
    seed(
        "ClusterClient",
        "class",
        Some((
            "core_server::ClusterClient",
            "A struct; `callAsInternalUser` is the async method `call_as_internal_user`, and it implements `ApiCaller`.",
        )),
    ),
    seed(
        "KibanaRequest",
        "class",
        Some((
            "core_server::KibanaRequest",
            "Generic over the validated params, query and body types (`KibanaRequest<P, Q, B>`); fields are accessor methods.",
        )),
    ),
    seed(
        "Router",
        "class",
        Some((
            "core_server::Router",
            "A struct; handlers are async closures that get the request context, the request and the response factory, and return `HandlerResult`: the error decides the response, and an Elasticsearch error answers for itself (401 with the challenge, 503, its 4xx, 502).",
        )),
    ),
    seed(
        "ScopedClusterClient",
        "class",
        Some((
            "core_server::ScopedClusterClient",
            "A struct made by `ClusterClient::as_scoped(&request)`; in a route handler, \
             `context.elasticsearch.data_client()` (or `admin_client()`) is one already scoped to the request. \
             `callAsCurrentUser` and `callAsInternalUser` are the async methods `call_as_current_user` and \
             `call_as_internal_user`; a call's own `params.headers` may not change a scoped header.",
        )),
    ),
    seed(
        "AuthToolkit",
        "interface",
        Some((
            "core_server::AuthToolkit",
            "A struct whose methods build an `AuthResult`: authenticated (state, headers for Elasticsearch, response headers), redirected, rejected, not handled.",
        )),
    ),
    seed(
        "CallAPIOptions",
        "interface",
        Some((
            "core_server::CallApiOptions",
            "A struct, spelled `CallApiOptions` after Rust's naming rules, with a per-call `timeout` besides \
             `wrap_401_errors` and `signal` (a cancellation token).",
        )),
    ),
    seed(
        "CoreSetup",
        "interface",
        Some((
            "core_server::CoreSetup",
            "A struct with `http` and `elasticsearch` fields; `http` is made for the plugin, so a route it \
             registers that clashes with another names both owners.",
        )),
    ),
    seed(
        "CoreStart",
        "interface",
        Some((
            "core_server::CoreStart",
            "A struct with `http` (whether and where the server listens) and `elasticsearch` (the `admin_client` \
             and `data_client`), where the seed's interface is empty.",
        )),
    ),
    seed(
        "DiscoveredPlugin",
        "interface",
        Some((
            "core_server::DiscoveredPlugin",
            "A struct with snake_case fields.",
        )),
    ),
    seed(
        "ElasticsearchServiceSetup",
        "interface",
        Some((
            "core_server::ElasticsearchServiceSetup",
            "A struct: `adminClient$` and `dataClient$` are the fields `admin_client` and `data_client`, plain \
             `ClusterClient`s rather than observables, and `createClient` is `create_client(type, overrides)`. \
             Calls as the request's user go through a route handler's `context.elasticsearch.data_client()` \
             (or `admin_client()`), which scopes the client to the request on first use.",
        )),
    ),
    seed(
        "HttpServiceSetup",
        "interface",
        Some((
            "core_server::HttpServiceSetup",
            "A struct whose members are methods (`register_on_pre_auth`, `register_auth`, `base_path`, ...); \
             its `create_router` gives routers whose handlers also get the request context.",
        )),
    ),
    seed(
        "HttpServiceStart",
        "interface",
        Some((
            "core_server::HttpServiceStart",
            "A struct; `isListening` is the method `is_listening`, and `local_addr` gives the bound address.",
        )),
    ),
    seed(
        "InternalCoreStart",
        "interface",
        Some((
            "core_server::runtime::InternalCoreStart",
            "A struct with the `http`, `elasticsearch` and `plugins` start contracts.",
        )),
    ),
    seed(
        "KibanaRequestRoute",
        "interface",
        Some((
            "core_server::KibanaRequestRoute",
            "A struct; the method is the `RouteMethod` enum.",
        )),
    ),
    seed(
        "Logger",
        "interface",
        Some((
            "core_server::Logger",
            "A struct, not an interface: one cheap-to-clone handle per context. Messages take `impl Display`; \
             `*_with` variants add `LogMeta`, `*_err` variants take an error.",
        )),
    ),
    seed(
        "LoggerFactory",
        "interface",
        Some((
            "core_server::LoggerFactory",
            "A struct; `get` takes the context parts as a slice.",
        )),
    ),
    seed(
        "LogMeta",
        "interface",
        Some((
            "core_server::LogMeta",
            "A struct wrapping a JSON object map.",
        )),
    ),
    seed(
        "OnPostAuthToolkit",
        "interface",
        Some((
            "core_server::OnPostAuthToolkit",
            "A struct whose methods build an `OnPostAuthResult`: next, redirected, rejected; `.header(name, value)` on the result adds a response header (Kibana 7.3+: `res.unauthorized({ headers })`).",
        )),
    ),
    seed(
        "OnPreAuthToolkit",
        "interface",
        Some((
            "core_server::OnPreAuthToolkit",
            "A struct whose methods build an `OnPreAuthResult`; `redirected(url, {forward: true})` is `rewrite_url`; `.header(name, value)` on the result adds a response header (Kibana 7.3+: `res.unauthorized({ headers })`).",
        )),
    ),
    seed(
        "Plugin",
        "interface",
        Some((
            "core_server::Plugin",
            "A trait over the core contracts (`Plugin<Core>`) with async `setup`/`start`/`stop`; the contracts it exposes are associated types.",
        )),
    ),
    seed(
        "PluginInitializerContext",
        "interface",
        Some((
            "core_server::PluginInitializerContext",
            "A struct; `opaqueId`, `env`, `logger` and `config` are methods, and `config().create::<T>()` gives a \
             `ConfigSubscription` of the typed section rather than an observable.",
        )),
    ),
    seed(
        "PluginsServiceSetup",
        "interface",
        Some((
            "core_server::runtime::PluginsServiceSetup",
            "A struct; the contracts are type-erased values keyed by plugin.",
        )),
    ),
    seed(
        "PluginsServiceStart",
        "interface",
        Some((
            "core_server::runtime::PluginsServiceStart",
            "A struct; the contracts are type-erased values keyed by plugin.",
        )),
    ),
    seed(
        "RouteConfigOptions",
        "interface",
        Some((
            "core_server::RouteOptions",
            "A struct named `RouteOptions`; `authRequired` is the `AuthRequired` enum, and a body size limit is added.",
        )),
    ),
    seed(
        "SessionStorage",
        "interface",
        Some((
            "core_server::SessionStorage",
            "A struct typed by the session value; `set` fails with a clear error when the cookie would exceed 4 KB.",
        )),
    ),
    seed(
        "SessionStorageFactory",
        "interface",
        Some((
            "core_server::SessionStorageFactory",
            "A struct made by `create_cookie_session_storage_factory`, not by `registerAuth`.",
        )),
    ),
    seed(
        "APICaller",
        "type alias",
        Some((
            "core_server::ApiCaller",
            "A trait instead of a function type, spelled `ApiCaller`; `call(endpoint, params, options)` returns a future.",
        )),
    ),
    seed(
        "AuthenticationHandler",
        "type alias",
        Some((
            "core_server::AuthenticationHandler",
            "The trait-object type core stores (behind an `Arc`); plugins pass any async closure \
             `(request, toolkit)` to `register_auth`.",
        )),
    ),
    seed(
        "ElasticsearchClientConfig",
        "type alias",
        Some((
            "core_server::ElasticsearchClientConfig",
            "A struct instead of a type alias.",
        )),
    ),
    seed(
        "Headers",
        "type alias",
        Some((
            "core_server::Headers",
            "A struct with case-insensitive names and several values per name, instead of a record type.",
        )),
    ),
    seed(
        "OnPostAuthHandler",
        "type alias",
        Some((
            "core_server::OnPostAuthHandler",
            "The trait-object type core stores (behind an `Arc`); plugins pass any async closure \
             `(request, toolkit)` to `register_on_post_auth`.",
        )),
    ),
    seed(
        "OnPreAuthHandler",
        "type alias",
        Some((
            "core_server::OnPreAuthHandler",
            "The trait-object type core stores (behind an `Arc`); plugins pass any async closure \
             `(request, toolkit)` to `register_on_pre_auth`.",
        )),
    ),
    seed(
        "PluginInitializer",
        "type alias",
        Some((
            "core_server::PluginInitializer",
            "A function pointer type from the context to the plugin; `plugin_registration!` registers it with the plugin's `kibana.json` instead of a `plugin` export.",
        )),
    ),
    seed(
        "PluginName",
        "type alias",
        Some(("core_server::PluginName", "The same: an alias of `String`.")),
    ),
    seed(
        "RecursiveReadonly",
        "type alias",
        Some((
            "core_server::RecursiveReadonly",
            "An alias of `Arc<T>`: it hands out only shared references, so nothing reachable through it can \
             change except through interior mutability (a `Mutex`, an atomic).",
        )),
    ),
    seed(
        "RouteMethod",
        "type alias",
        Some((
            "core_server::RouteMethod",
            "An enum instead of a union of strings.",
        )),
    ),
];

/// A resolved Rust counterpart: the page file, its display name and its kind word.
pub(crate) struct Target {
    pub(crate) file: String,
    pub(crate) name: String,
    pub(crate) kind: String,
}

/// Renders the mapping page; `lookup` finds the page of a public Rust path. Fails naming every seed item whose
/// Rust path has no page (and, with `require_complete`, every seed item without a counterpart).
pub(crate) fn render(
    seed: &[SeedItem],
    require_complete: bool,
    lookup: &dyn Fn(&str) -> Option<Target>,
) -> Result<(String, Vec<&'static str>)> {
    let mut errors = Vec::new();
    let mut unmapped = Vec::new();
    let mut rows = Vec::new();
    for item in seed {
        match item.rust {
            Some((path, note)) => match lookup(path) {
                Some(target) => rows.push(vec![
                    item.name.to_owned(),
                    item.kibana_kind.to_owned(),
                    format!("[{}](./{}) {}", target.name, target.file, target.kind),
                    cell(note),
                ]),
                None => errors.push(format!(
                    "  {}: mapped to `{path}`, which has no page in the generated docs",
                    item.name
                )),
            },
            None => {
                unmapped.push(item.name);
                if require_complete {
                    errors.push(format!(
                        "  {}: no Rust counterpart in the mapping table",
                        item.name
                    ));
                }
                rows.push(vec![
                    item.name.to_owned(),
                    item.kibana_kind.to_owned(),
                    String::new(),
                    "Not mapped yet.".to_owned(),
                ]);
            }
        }
    }
    if !errors.is_empty() {
        bail!(
            "the Kibana mapping (xtask/src/docs/mapping.rs) is out of date:\n{}\nfix the table's Rust paths",
            errors.join("\n")
        );
    }
    let text = [
        HEADER.to_owned(),
        "[Home](./index.md) &gt; [Kibana mapping](./kibana-mapping.md)".to_owned(),
        "## Kibana mapping".to_owned(),
        "Each item of Kibana 7.2's `kibana-plugin-server` API index and the page of its Rust counterpart. The note \
         says where the Rust shape differs."
            .to_owned(),
        table(&["Kibana item", "Kibana kind", "Rust counterpart", "Note"], &rows),
    ]
    .join("\n\n");
    Ok((text.trim_end().to_owned() + "\n", unmapped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(path: &str) -> Option<Target> {
        (path == "core_logging::Logger").then(|| Target {
            file: "core-logging.logger.md".into(),
            name: "Logger".into(),
            kind: "struct".into(),
        })
    }

    #[test]
    fn the_seed_index_has_36_items() {
        assert_eq!(SEED.len(), 36);
        let mut names: Vec<_> = SEED.iter().map(|s| s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 36);
    }

    #[test]
    fn mapped_items_link_to_their_page() {
        let seed = [
            seed(
                "Logger",
                "interface",
                Some(("core_logging::Logger", "A struct.")),
            ),
            seed("Router", "class", None),
        ];
        let (text, unmapped) = render(&seed, false, &lookup).unwrap();
        assert!(
            text.contains(
                "|  Logger | interface | [Logger](./core-logging.logger.md) struct | A struct. |"
            ),
            "{text}"
        );
        assert_eq!(unmapped, vec!["Router"]);
    }

    #[test]
    fn a_mapping_to_a_missing_item_fails_naming_the_seed_item() {
        let seed = [seed(
            "LoggerFactory",
            "interface",
            Some(("core_logging::Gone", "")),
        )];
        let error = render(&seed, false, &lookup).unwrap_err().to_string();
        assert!(
            error.contains("LoggerFactory: mapped to `core_logging::Gone`"),
            "{error}"
        );
    }

    #[test]
    fn an_incomplete_mapping_fails_when_completeness_is_required() {
        let seed = [seed("Router", "class", None)];
        let error = render(&seed, true, &lookup).unwrap_err().to_string();
        assert!(error.contains("Router: no Rust counterpart"), "{error}");
    }

    #[test]
    fn every_mapped_item_has_a_note() {
        for item in SEED {
            if let Some((path, note)) = item.rust {
                assert!(!note.trim().is_empty(), "{}: {path} has no note", item.name);
            }
        }
    }

    #[test]
    fn every_mapped_path_names_a_crate_of_ours() {
        for item in SEED {
            if let Some((path, _)) = item.rust {
                assert!(path.starts_with("core_"), "{}: {path}", item.name);
            }
        }
    }
}
