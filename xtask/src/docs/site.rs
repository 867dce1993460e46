//! The set of pages: which public item of which crate is documented on which page, following re-exports, and how
//! an item id is turned into a link.

use std::collections::{HashMap, HashSet};

use rustdoc_types::{Crate, Id, Item, ItemEnum, StructKind, VariantKind, Visibility};

use super::markdown::{split_arguments, stray_argument_lines};
use super::rustdoc::FACADE;

/// One documented package: its Cargo metadata and its rustdoc JSON.
pub(crate) struct Package {
    /// The package name, such as `core-logging`; pages are named after it.
    pub(crate) name: String,
    /// The `description` from its Cargo.toml.
    pub(crate) description: String,
    /// The library's rustdoc JSON.
    pub(crate) krate: Crate,
}

impl Package {
    /// The library's crate name, such as `core_logging`.
    pub(crate) fn crate_name(&self) -> &str {
        self.krate
            .index
            .get(&self.krate.root)
            .and_then(|root| root.name.as_deref())
            .unwrap_or("")
    }
}

/// What a page documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageKind {
    Package,
    Module,
    Item,
    Method,
    Field,
}

/// A row of a package or module table.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    /// An item (or module) with its own page here.
    Page(usize),
    /// A re-export of an item documented on another page of the same package.
    Alias { name: String, krate: usize, id: Id },
    /// A re-export of something outside the documented crates (no page).
    Foreign { name: String, source: String },
}

/// One generated page.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    /// The file name inside docs/api/.
    pub(crate) file: String,
    /// The package whose pages it belongs to.
    pub(crate) package: usize,
    /// The crate the documented item is defined in (differs from `package` for cross-crate re-exports).
    pub(crate) krate: usize,
    /// The documented item (the root module for a package page).
    pub(crate) id: Id,
    pub(crate) kind: PageKind,
    /// The name the item is exported under.
    pub(crate) name: String,
    /// Breadcrumb ancestors, outermost first (the package page first).
    pub(crate) crumbs: Vec<usize>,
    /// The public path, such as `core_logging::testing::CapturedLogs`.
    pub(crate) rust_path: String,
    /// Rows of a package or module page.
    pub(crate) entries: Vec<Entry>,
    /// Member pages of an item page, in declaration order.
    pub(crate) members: Vec<usize>,
}

/// Every page, with the lookups needed to render links.
pub(crate) struct Site<'a> {
    pub(crate) packages: &'a [Package],
    pub(crate) pages: Vec<Page>,
    /// Pages documenting an id (items, members; variants and associated items point at their owner's page).
    by_id: HashMap<(usize, Id), Vec<usize>>,
    /// Per crate: definition and public paths to ids, to resolve ids from other crates.
    by_path: Vec<HashMap<Vec<String>, Id>>,
    crate_index: HashMap<String, usize>,
    /// Per package: the facade package when the package depends on it (an example plugin), so that its links go
    /// to the facade's copies of re-exported items, the paths its code uses.
    facade_of: Vec<Option<usize>>,
    used_files: HashSet<String>,
    /// Public items without docs, by path.
    pub(crate) missing_docs: Vec<String>,
    /// Functions whose `# Arguments` section does not match them: `path: problem`.
    pub(crate) argument_problems: Vec<String>,
}

/// File stems the generator writes besides item pages.
pub(crate) const RESERVED_STEMS: [&str; 2] = ["index", "kibana-mapping"];

impl<'a> Site<'a> {
    /// Lays out the pages of every package; `packages` is in page order (the facade first).
    pub(crate) fn build(packages: &'a [Package]) -> Site<'a> {
        let mut site = Site {
            packages,
            pages: Vec::new(),
            by_id: HashMap::new(),
            by_path: packages.iter().map(path_index).collect(),
            crate_index: packages
                .iter()
                .enumerate()
                .map(|(i, p)| (p.crate_name().to_owned(), i))
                .collect(),
            facade_of: Vec::new(),
            used_files: RESERVED_STEMS.iter().map(|s| s.to_string()).collect(),
            missing_docs: Vec::new(),
            argument_problems: Vec::new(),
        };
        let facade = packages.iter().position(|p| p.name == FACADE);
        site.facade_of = packages
            .iter()
            .enumerate()
            .map(|(i, package)| {
                let facade = facade.filter(|&f| f != i)?;
                let facade_crate = packages[facade].crate_name();
                package
                    .krate
                    .external_crates
                    .values()
                    .any(|c| c.name == facade_crate)
                    .then_some(facade)
            })
            .collect();
        for package in packages {
            site.used_files
                .insert(format!("{}.api", package.name.to_lowercase()));
        }
        for (index, package) in packages.iter().enumerate() {
            let root = package.krate.root;
            let stem = site.alloc(&package.name.to_lowercase());
            let page = site.push(Page {
                file: format!("{stem}.md"),
                package: index,
                krate: index,
                id: root,
                kind: PageKind::Package,
                name: package.name.clone(),
                crumbs: Vec::new(),
                rust_path: package.crate_name().to_owned(),
                entries: Vec::new(),
                members: Vec::new(),
            });
            // Links to a crate root (such as a `pub use core_http as http` row) go to the package page.
            site.by_id.entry((index, root)).or_default().push(page);
            if let Some(item) = package.krate.index.get(&root) {
                site.check_docs(item, package.crate_name());
            }
            let direct = directly_public(&package.krate);
            let mut walk = Walk {
                package: index,
                direct,
                stack: Vec::new(),
            };
            site.walk_module(&mut walk, index, root, page);
        }
        site.missing_docs.sort();
        site.missing_docs.dedup();
        site.argument_problems.sort();
        site.argument_problems.dedup();
        site
    }

    fn push(&mut self, page: Page) -> usize {
        self.pages.push(page);
        self.pages.len() - 1
    }

    /// A unique, lowercase file stem: `stem`, or `stem_1`, `stem_2`, ... when taken.
    fn alloc(&mut self, stem: &str) -> String {
        let stem = stem.to_lowercase();
        let mut candidate = stem.clone();
        let mut n = 1;
        while self.used_files.contains(&candidate) {
            candidate = format!("{stem}_{n}");
            n += 1;
        }
        self.used_files.insert(candidate.clone());
        candidate
    }

    fn stem_of(&self, page: usize) -> String {
        self.pages[page].file.trim_end_matches(".md").to_owned()
    }

    fn walk_module(&mut self, walk: &mut Walk, krate: usize, module: Id, page: usize) {
        if walk.stack.contains(&(krate, module)) {
            return;
        }
        walk.stack.push((krate, module));
        let k = &self.packages[krate].krate;
        let items = match k.index.get(&module).map(|item| &item.inner) {
            Some(ItemEnum::Module(m)) => m.items.clone(),
            _ => Vec::new(),
        };
        // Items first, modules (and glob re-exports) after: an item reachable at several paths gets its page at the
        // shallowest one, and the deeper listings link to it.
        for containers in [false, true] {
            for &id in &items {
                let Some(item) = k.index.get(&id) else {
                    continue;
                };
                if !matches!(item.visibility, Visibility::Public)
                    || self.is_container(krate, item) != containers
                {
                    continue;
                }
                if let ItemEnum::Use(use_) = &item.inner {
                    self.add_use(walk, krate, page, use_);
                    continue;
                }
                let Some(name) = item.name.clone() else {
                    continue;
                };
                if self.documented_in(walk.package, krate, id) {
                    // Reached again through a glob re-export.
                    self.pages[page]
                        .entries
                        .push(Entry::Alias { name, krate, id });
                    continue;
                }
                self.add_item(walk, krate, id, &name, page);
            }
        }
        walk.stack.pop();
    }

    /// Whether the item already has an item or module page in `package`.
    fn documented_in(&self, package: usize, krate: usize, id: Id) -> bool {
        self.by_id.get(&(krate, id)).is_some_and(|pages| {
            pages.iter().any(|&p| {
                self.pages[p].package == package
                    && matches!(self.pages[p].kind, PageKind::Item | PageKind::Module)
            })
        })
    }

    /// Whether an item of a module is a module, a glob re-export, or a re-export of a module.
    fn is_container(&self, krate: usize, item: &Item) -> bool {
        match &item.inner {
            ItemEnum::Module(_) => true,
            ItemEnum::Use(use_) => {
                use_.is_glob
                    || use_
                        .id
                        .and_then(|id| self.resolve(krate, &id))
                        .is_some_and(|(k, id)| {
                            matches!(
                                self.packages[k].krate.index.get(&id).map(|i| &i.inner),
                                Some(ItemEnum::Module(_))
                            )
                        })
            }
            _ => false,
        }
    }

    fn add_use(&mut self, walk: &mut Walk, krate: usize, page: usize, use_: &rustdoc_types::Use) {
        let target = use_.id.and_then(|id| self.resolve(krate, &id));
        let Some((target_krate, target_id)) = target else {
            if !use_.is_glob {
                self.pages[page].entries.push(Entry::Foreign {
                    name: use_.name.clone(),
                    source: use_.source.clone(),
                });
            }
            return;
        };
        if use_.is_glob {
            // `pub use module::*`: the module's public items join this module.
            self.walk_module(walk, target_krate, target_id, page);
            return;
        }
        let whole_crate =
            target_krate != walk.package && target_id == self.packages[target_krate].krate.root;
        let canonical_elsewhere =
            whole_crate || target_krate == walk.package && walk.direct.contains(&target_id);
        if canonical_elsewhere || self.documented_in(walk.package, target_krate, target_id) {
            self.pages[page].entries.push(Entry::Alias {
                name: use_.name.clone(),
                krate: target_krate,
                id: target_id,
            });
        } else {
            self.add_item(walk, target_krate, target_id, &use_.name, page);
        }
    }

    fn add_item(&mut self, walk: &mut Walk, krate: usize, id: Id, name: &str, parent: usize) {
        let k = &self.packages[krate].krate;
        let Some(item) = k.index.get(&id) else { return };
        let kind = match &item.inner {
            ItemEnum::Module(_) => PageKind::Module,
            ItemEnum::Struct(_)
            | ItemEnum::Enum(_)
            | ItemEnum::Union(_)
            | ItemEnum::Trait(_)
            | ItemEnum::TraitAlias(_)
            | ItemEnum::Function(_)
            | ItemEnum::TypeAlias(_)
            | ItemEnum::Constant { .. }
            | ItemEnum::Static(_)
            | ItemEnum::Macro(_)
            | ItemEnum::ProcMacro(_) => PageKind::Item,
            _ => return,
        };
        let stem = format!("{}.{}", self.stem_of(parent), name);
        let stem = self.alloc(&stem);
        let mut crumbs = self.pages[parent].crumbs.clone();
        crumbs.push(parent);
        let rust_path = format!("{}::{}", self.pages[parent].rust_path, name);
        let page = self.push(Page {
            file: format!("{stem}.md"),
            package: walk.package,
            krate,
            id,
            kind,
            name: name.to_owned(),
            crumbs,
            rust_path: rust_path.clone(),
            entries: Vec::new(),
            members: Vec::new(),
        });
        self.pages[parent].entries.push(Entry::Page(page));
        self.by_id.entry((krate, id)).or_default().push(page);
        let own = krate == walk.package;
        if own {
            self.check_docs(item, &rust_path);
        }
        if kind == PageKind::Module {
            self.walk_module(walk, krate, id, page);
        } else {
            self.add_members(walk.package, krate, id, page, own);
        }
    }

    /// Member pages (fields, methods) of an item page, and owner links for variants and associated items.
    fn add_members(&mut self, package: usize, krate: usize, id: Id, page: usize, own: bool) {
        let k = &self.packages[krate].krate;
        let Some(item) = k.index.get(&id) else { return };
        let path = self.pages[page].rust_path.clone();
        let mut fields = Vec::new();
        let mut methods = Vec::new();
        let mut owned = Vec::new();
        match &item.inner {
            ItemEnum::Struct(s) => {
                if let StructKind::Plain { fields: ids, .. } = &s.kind {
                    fields.extend(ids.iter().copied());
                }
                if let StructKind::Tuple(ids) = &s.kind {
                    owned.extend(ids.iter().flatten().copied());
                }
                methods.extend(inherent_items(k, &s.impls));
            }
            ItemEnum::Union(u) => {
                fields.extend(u.fields.iter().copied());
                methods.extend(inherent_items(k, &u.impls));
            }
            ItemEnum::Enum(e) => {
                for variant in &e.variants {
                    owned.push(*variant);
                    if let Some(Item {
                        inner: ItemEnum::Variant(v),
                        ..
                    }) = k.index.get(variant)
                    {
                        match &v.kind {
                            VariantKind::Plain => {}
                            VariantKind::Tuple(ids) => owned.extend(ids.iter().flatten().copied()),
                            VariantKind::Struct { fields, .. } => {
                                owned.extend(fields.iter().copied())
                            }
                        }
                    }
                }
                methods.extend(inherent_items(k, &e.impls));
            }
            ItemEnum::Trait(t) => methods.extend(t.items.iter().copied()),
            _ => {}
        }
        for member in fields.iter().chain(&methods).chain(&owned) {
            let Some(member_item) = k.index.get(member) else {
                continue;
            };
            let is_fn = matches!(member_item.inner, ItemEnum::Function(_));
            let is_field = fields.contains(member);
            let public = matches!(
                member_item.visibility,
                Visibility::Public | Visibility::Default
            );
            if !public {
                continue;
            }
            let name = member_item.name.clone().unwrap_or_default();
            // Tuple fields (`0`, `1`) are documented only when they have docs of their own.
            let is_tuple_field = name.chars().all(|c| c.is_ascii_digit());
            if own && !is_tuple_field {
                self.check_docs(member_item, &format!("{path}::{name}"));
            }
            if is_fn || is_field {
                let stem = format!("{}.{}", self.stem_of(page), name);
                let stem = self.alloc(&stem);
                let mut crumbs = self.pages[page].crumbs.clone();
                crumbs.push(page);
                let member_page = self.push(Page {
                    file: format!("{stem}.md"),
                    package,
                    krate,
                    id: *member,
                    kind: if is_fn {
                        PageKind::Method
                    } else {
                        PageKind::Field
                    },
                    name,
                    crumbs,
                    rust_path: format!(
                        "{path}::{}",
                        member_item.name.as_deref().unwrap_or_default()
                    ),
                    entries: Vec::new(),
                    members: Vec::new(),
                });
                self.pages[page].members.push(member_page);
                self.by_id
                    .entry((krate, *member))
                    .or_default()
                    .push(member_page);
            } else {
                self.by_id.entry((krate, *member)).or_default().push(page);
            }
        }
    }

    /// Records `path` when the item has no doc comment, or when it is a function whose `# Arguments` section names
    /// something that is not a parameter or holds more than its list (the page would show neither).
    fn check_docs(&mut self, item: &Item, path: &str) {
        let docs = item.docs.as_deref().unwrap_or("");
        if docs.trim().is_empty() {
            self.missing_docs.push(path.to_owned());
        }
        let ItemEnum::Function(function) = &item.inner else {
            return;
        };
        let (arguments, _) = split_arguments(docs);
        for argument in &arguments {
            if !function
                .sig
                .inputs
                .iter()
                .any(|(name, _)| *name == argument.name)
            {
                self.argument_problems.push(format!(
                    "{path}: `# Arguments` names `{}`, which is not a parameter",
                    argument.name
                ));
            }
        }
        if !arguments.is_empty() && !stray_argument_lines(docs).is_empty() {
            self.argument_problems.push(format!(
                "{path}: the `# Arguments` section holds more than its list; move code blocks and paragraphs \
                 before it or under another heading"
            ));
        }
    }

    /// The crate and id an id of `krate` refers to, when the item is in one of the documented crates.
    pub(crate) fn resolve(&self, krate: usize, id: &Id) -> Option<(usize, Id)> {
        let k = &self.packages[krate].krate;
        if let Some(item) = k.index.get(id)
            && item.crate_id == 0
        {
            return Some((krate, *id));
        }
        let summary = k.paths.get(id)?;
        if summary.crate_id == 0 {
            return None;
        }
        let crate_name = &k.external_crates.get(&summary.crate_id)?.name;
        let other = *self.crate_index.get(crate_name)?;
        let other_id = *self.by_path[other].get(&summary.path)?;
        Some((other, other_id))
    }

    /// The page file to link to for an id of `krate`, seen from a page of `package`: that package's own copy when
    /// it has one (re-exports), else the facade's copy when `package` depends on the facade, else the page in the
    /// defining package.
    pub(crate) fn link(&self, package: usize, krate: usize, id: &Id) -> Option<String> {
        let page = self.linked_page(package, krate, id)?;
        Some(self.pages[page].file.clone())
    }

    /// The page [`Site::link`] links to.
    pub(crate) fn linked_page(&self, package: usize, krate: usize, id: &Id) -> Option<usize> {
        let key = self.resolve(krate, id)?;
        let pages = self.by_id.get(&key)?;
        let facade = self.facade_of.get(package).copied().flatten();
        let pick = pages
            .iter()
            .find(|&&p| self.pages[p].package == package)
            .or_else(|| {
                pages
                    .iter()
                    .find(|&&p| Some(self.pages[p].package) == facade)
            })
            .or_else(|| pages.iter().find(|&&p| self.pages[p].package == key.0))
            .or_else(|| pages.first())?;
        Some(*pick)
    }

    /// The page of an item in the package that defines it, for "defined in" links on re-exported copies.
    pub(crate) fn home_page(&self, krate: usize, id: &Id) -> Option<usize> {
        self.by_id.get(&(krate, *id))?.iter().copied().find(|&p| {
            self.pages[p].package == krate
                && matches!(self.pages[p].kind, PageKind::Item | PageKind::Module)
        })
    }

    /// The page documenting the item at a public path such as `core_logging::Logger`.
    pub(crate) fn page_for_path(&self, rust_path: &str) -> Option<usize> {
        self.pages
            .iter()
            .position(|p| p.rust_path == rust_path && p.kind != PageKind::Package)
    }

    pub(crate) fn item(&self, page: usize) -> Option<&'a Item> {
        let p = &self.pages[page];
        self.packages[p.krate].krate.index.get(&p.id)
    }

    pub(crate) fn krate(&self, page: usize) -> &'a Crate {
        &self.packages[self.pages[page].krate].krate
    }
}

struct Walk {
    package: usize,
    direct: HashSet<Id>,
    stack: Vec<(usize, Id)>,
}

/// Public items of inherent impls (not trait impls, which are listed as trait implementations).
fn inherent_items(k: &Crate, impls: &[Id]) -> Vec<Id> {
    let mut out = Vec::new();
    for impl_id in impls {
        if let Some(Item {
            inner: ItemEnum::Impl(imp),
            ..
        }) = k.index.get(impl_id)
            && imp.trait_.is_none()
            && !imp.is_synthetic
            && imp.blanket_impl.is_none()
        {
            out.extend(
                imp.items
                    .iter()
                    .filter(|id| {
                        k.index
                            .get(id)
                            .is_some_and(|i| matches!(i.visibility, Visibility::Public))
                    })
                    .copied(),
            );
        }
    }
    out
}

/// Items reachable through public modules without a `pub use` (their canonical location).
fn directly_public(k: &Crate) -> HashSet<Id> {
    let mut out = HashSet::new();
    let mut queue = vec![k.root];
    while let Some(module) = queue.pop() {
        let Some(Item {
            inner: ItemEnum::Module(m),
            ..
        }) = k.index.get(&module)
        else {
            continue;
        };
        for id in &m.items {
            let Some(item) = k.index.get(id) else {
                continue;
            };
            if !matches!(item.visibility, Visibility::Public)
                || matches!(item.inner, ItemEnum::Use(_))
            {
                continue;
            }
            if out.insert(*id) && matches!(item.inner, ItemEnum::Module(_)) {
                queue.push(*id);
            }
        }
    }
    out
}

/// Definition paths (from rustdoc's `paths`) and public paths (following local re-exports) of a crate's items.
fn path_index(package: &Package) -> HashMap<Vec<String>, Id> {
    let k = &package.krate;
    let mut out: HashMap<Vec<String>, Id> = HashMap::new();
    // In id order, so that when two items share a path (a macro and a module, say) the same one wins every run.
    let mut local: Vec<(&Id, &Vec<String>)> = k
        .paths
        .iter()
        .filter(|(_, s)| s.crate_id == 0)
        .map(|(id, s)| (id, &s.path))
        .collect();
    local.sort_by_key(|(id, _)| id.0);
    for (id, path) in local {
        out.entry(path.clone()).or_insert(*id);
    }
    let mut queue = vec![(k.root, vec![package.crate_name().to_owned()])];
    let mut seen = HashSet::new();
    while let Some((module, prefix)) = queue.pop() {
        if !seen.insert(module) {
            continue;
        }
        let Some(Item {
            inner: ItemEnum::Module(m),
            ..
        }) = k.index.get(&module)
        else {
            continue;
        };
        for id in &m.items {
            let Some(item) = k.index.get(id) else {
                continue;
            };
            if !matches!(item.visibility, Visibility::Public) {
                continue;
            }
            let (name, target) = match &item.inner {
                ItemEnum::Use(u) if !u.is_glob => match u.id {
                    Some(target) if k.index.contains_key(&target) => (u.name.clone(), target),
                    _ => continue,
                },
                ItemEnum::Use(_) => continue,
                _ => match &item.name {
                    Some(name) => (name.clone(), *id),
                    None => continue,
                },
            };
            let mut path = prefix.clone();
            path.push(name);
            if matches!(
                k.index.get(&target).map(|i| &i.inner),
                Some(ItemEnum::Module(_))
            ) {
                queue.push((target, path.clone()));
            }
            out.entry(path).or_insert(target);
        }
    }
    out
}
