//! Item pages (`## Logger struct`: signature, fields, variants, associated items, methods, trait implementations)
//! and member pages (`## Logger.warn() method`: signature, parameters, returns).

use rustdoc_types::{Crate, Function, Id, Item, ItemEnum, Path, StructKind, Trait, Type};

use super::{
    HEADER, assemble, breadcrumb, defined_elsewhere, deprecation, docs, linker, push_table,
    signature_block, summary, type_segs,
};
use crate::docs::decl::{self, kind_word};
use crate::docs::markdown::{self, cell, type_cell};
use crate::docs::sig::{Printer, plain};
use crate::docs::site::{PageKind, Site};

pub(super) fn item_page(site: &Site, page: usize) -> String {
    let p = &site.pages[page];
    let Some(item) = site.item(page) else {
        return String::new();
    };
    let k = site.krate(page);
    let link = linker(site, p.package, p.krate);
    let mut blocks = vec![
        HEADER.to_owned(),
        breadcrumb(site, page),
        format!("## {} {}", p.name, kind_word(item)),
    ];
    let mut doc = docs(site, p.package, p.krate, item);
    let mut arguments = Vec::new();
    if matches!(item.inner, ItemEnum::Function(_)) {
        (arguments, doc) = markdown::split_arguments(&doc);
    }
    blocks.extend(deprecation(item));
    blocks.push(markdown::page_doc(&doc));
    if let Some(home) = defined_elsewhere(site, page) {
        blocks.push(home);
    }
    blocks.push(signature_block(&plain(&decl::declaration(
        k, item, &p.name, &link,
    ))));
    match &item.inner {
        ItemEnum::Struct(s) => {
            if let StructKind::Tuple(fields) = &s.kind {
                let rows = fields
                    .iter()
                    .enumerate()
                    .filter_map(|(i, id)| {
                        let field = k.index.get(id.as_ref()?)?;
                        let ItemEnum::StructField(ty) = &field.inner else {
                            return None;
                        };
                        Some(vec![
                            i.to_string(),
                            type_cell(&type_segs(ty, &link)),
                            summary(site, p.package, p.krate, field),
                        ])
                    })
                    .collect::<Vec<_>>();
                push_table(
                    &mut blocks,
                    "Properties",
                    &["Property", "Type", "Description"],
                    rows,
                );
            }
        }
        ItemEnum::Enum(e) => {
            let rows = e
                .variants
                .iter()
                .filter_map(|id| k.index.get(id))
                .map(|variant| {
                    let mut printer = Printer::new(&link);
                    decl::variant_fields(&mut printer, k, variant, "");
                    let fields = printer.finish();
                    let mut name = variant.name.clone().unwrap_or_default();
                    if let ItemEnum::Variant(rustdoc_types::Variant {
                        discriminant: Some(d),
                        ..
                    }) = &variant.inner
                    {
                        name.push_str(&format!(" = {}", d.expr));
                    }
                    vec![
                        format!("<code>{}</code>", markdown::escape_code(&name)),
                        if fields.is_empty() {
                            String::new()
                        } else {
                            type_cell(&fields)
                        },
                        summary(site, p.package, p.krate, variant),
                    ]
                })
                .collect::<Vec<_>>();
            push_table(
                &mut blocks,
                "Variants",
                &["Variant", "Fields", "Description"],
                rows,
            );
        }
        ItemEnum::Function(f) => {
            blocks.extend(parameters_and_returns(
                site,
                page,
                &f.sig.inputs,
                f.sig.output.as_ref(),
                &arguments,
            ));
        }
        _ => {}
    }
    if let ItemEnum::TypeAlias(alias) = &item.inner
        && let Some(target) = aliased_page(site, page)
        && let Some(target_item) = site.item(target)
    {
        let kind = kind_word(target_item);
        blocks.push(format!(
            "An alias of the {kind} {}: the members below are that {kind}'s, documented on its pages.",
            type_cell(&type_segs(&alias.type_, &link)),
        ));
        member_tables(site, target, target_item, &mut blocks);
    } else {
        member_tables(site, page, item, &mut blocks);
    }
    assemble(blocks)
}

/// For the page of a type alias of a documented struct, enum or union (directly or through other aliases), the
/// page of that type: an alias page lists the aliased type's members, which have no pages of their own under it.
fn aliased_page(site: &Site, page: usize) -> Option<usize> {
    let p = &site.pages[page];
    let (mut krate, mut item) = (p.krate, site.item(page)?);
    // A bound on alias chains, against a cycle rustdoc would not produce anyway.
    for _ in 0..8 {
        let ItemEnum::TypeAlias(alias) = &item.inner else {
            return None;
        };
        let Type::ResolvedPath(path) = &alias.type_ else {
            return None;
        };
        let (target_krate, target_id) = site.resolve(krate, &path.id)?;
        let target = site.packages[target_krate].krate.index.get(&target_id)?;
        if matches!(
            target.inner,
            ItemEnum::Struct(_) | ItemEnum::Enum(_) | ItemEnum::Union(_)
        ) {
            return site.linked_page(p.package, krate, &path.id);
        }
        (krate, item) = (target_krate, target);
    }
    None
}

/// Fields, associated items, methods and trait implementations of an item page.
fn member_tables(site: &Site, page: usize, item: &Item, blocks: &mut Vec<String>) {
    let p = &site.pages[page];
    let link = linker(site, p.package, p.krate);
    let (fields, methods) = field_and_method_rows(site, page, item, &link);
    push_table(
        blocks,
        "Properties",
        &["Property", "Type", "Description"],
        fields,
    );
    let (consts, types) = associated_rows(site, page, item, &link);
    push_table(
        blocks,
        "Associated Constants",
        &["Constant", "Type", "Description"],
        consts,
    );
    push_table(
        blocks,
        "Associated Types",
        &["Associated Type", "Declaration", "Description"],
        types,
    );
    push_table(
        blocks,
        "Methods",
        &["Method", "Modifiers", "Description"],
        methods,
    );
    push_table(
        blocks,
        "Trait Implementations",
        &["Trait", "Description"],
        trait_implementation_rows(site, page, item, &link),
    );
    if let ItemEnum::Trait(t) = &item.inner {
        push_table(
            blocks,
            "Implementors",
            &["Type", "Description"],
            implementor_rows(site, page, t, &link),
        );
    }
}

/// Rows of the Properties and Methods tables: the members that have pages of their own under the item's page.
fn field_and_method_rows(
    site: &Site,
    page: usize,
    item: &Item,
    link: &dyn Fn(&Id) -> Option<String>,
) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let p = &site.pages[page];
    let in_trait = matches!(item.inner, ItemEnum::Trait(_));
    let mut fields = Vec::new();
    let mut methods = Vec::new();
    for &member in &p.members {
        let m = &site.pages[member];
        let Some(member_item) = site.item(member) else {
            continue;
        };
        let description = summary(site, p.package, p.krate, member_item);
        match &member_item.inner {
            ItemEnum::StructField(ty) => {
                fields.push(vec![
                    format!("[{}](./{})", m.name, m.file),
                    type_cell(&type_segs(ty, link)),
                    description,
                ]);
            }
            ItemEnum::Function(f) => {
                let params = f
                    .sig
                    .inputs
                    .iter()
                    .filter(|(name, _)| name != "self")
                    .map(|(name, _)| name.as_str())
                    .collect::<Vec<_>>();
                methods.push(vec![
                    format!("[{}({})](./{})", m.name, params.join(", "), m.file),
                    method_modifiers(f, in_trait),
                    description,
                ]);
            }
            _ => {}
        }
    }
    (fields, methods)
}

/// The Modifiers cell of a method: `const`, `async`, `unsafe`, `static` (no `self`), and `provided` for a trait
/// method with a default body.
fn method_modifiers(f: &Function, in_trait: bool) -> String {
    let mut modifiers = Vec::new();
    if f.header.is_const {
        modifiers.push("const");
    }
    if f.header.is_async {
        modifiers.push("async");
    }
    if f.header.is_unsafe {
        modifiers.push("unsafe");
    }
    if f.sig.inputs.first().is_none_or(|(name, _)| name != "self") {
        modifiers.push("static");
    }
    if in_trait && f.has_body {
        modifiers.push("provided");
    }
    modifiers
        .iter()
        .map(|m| format!("<code>{m}</code>"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows of the Associated Constants and Associated Types tables (those items have no pages of their own): a
/// trait's own, or those of a type's inherent impls.
fn associated_rows(
    site: &Site,
    page: usize,
    item: &Item,
    link: &dyn Fn(&Id) -> Option<String>,
) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let p = &site.pages[page];
    let k = site.krate(page);
    let assoc_ids: Vec<Id> = match &item.inner {
        ItemEnum::Trait(t) => t.items.clone(),
        ItemEnum::Struct(s) => inherent(k, &s.impls),
        ItemEnum::Enum(e) => inherent(k, &e.impls),
        ItemEnum::Union(u) => inherent(k, &u.impls),
        _ => Vec::new(),
    };
    let in_trait = matches!(item.inner, ItemEnum::Trait(_));
    let mut consts = Vec::new();
    let mut types = Vec::new();
    for id in &assoc_ids {
        let Some(assoc) = k.index.get(id) else {
            continue;
        };
        let name = format!(
            "<code>{}</code>",
            markdown::escape_code(assoc.name.as_deref().unwrap_or("_"))
        );
        let description = summary(site, p.package, p.krate, assoc);
        match &assoc.inner {
            ItemEnum::AssocConst { type_, .. } => {
                consts.push(vec![name, type_cell(&type_segs(type_, link)), description])
            }
            ItemEnum::AssocType { .. } => {
                let mut printer = Printer::new(link);
                decl::assoc_decl(&mut printer, assoc, "", in_trait);
                types.push(vec![name, type_cell(&printer.finish()), description]);
            }
            _ => {}
        }
    }
    (consts, types)
}

/// Rows of the Trait Implementations table of a struct, enum or union, sorted by trait: neither synthetic (auto
/// trait) nor blanket implementations, nor the marker traits of [`HIDDEN_TRAITS`].
fn trait_implementation_rows(
    site: &Site,
    page: usize,
    item: &Item,
    link: &dyn Fn(&Id) -> Option<String>,
) -> Vec<Vec<String>> {
    let k = site.krate(page);
    let impls: &[Id] = match &item.inner {
        ItemEnum::Struct(s) => &s.impls,
        ItemEnum::Enum(e) => &e.impls,
        ItemEnum::Union(u) => &u.impls,
        _ => &[],
    };
    let mut rows = Vec::new();
    for id in impls {
        let Some(impl_item) = k.index.get(id) else {
            continue;
        };
        let ItemEnum::Impl(imp) = &impl_item.inner else {
            continue;
        };
        let Some(trait_) = &imp.trait_ else { continue };
        if imp.is_synthetic
            || imp.blanket_impl.is_some()
            || HIDDEN_TRAITS.contains(&last_segment(&trait_.path))
        {
            continue;
        }
        let mut printer = Printer::new(link);
        if imp.is_negative {
            printer.text("!");
        }
        printer.path(trait_);
        let segs = printer.finish();
        let description = trait_implementation_description(site, page, impl_item, trait_);
        rows.push((plain(&segs), vec![type_cell(&segs), description]));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.into_iter().map(|r| r.1).collect()
}

/// The description of a trait implementation: the impl's own docs, else the trait's summary, else `Derived.` for
/// a derived one.
fn trait_implementation_description(
    site: &Site,
    page: usize,
    impl_item: &Item,
    trait_: &Path,
) -> String {
    let p = &site.pages[page];
    let description = summary(site, p.package, p.krate, impl_item);
    if !description.is_empty() {
        return description;
    }
    if let Some((tk, tid)) = site.resolve(p.krate, &trait_.id)
        && let Some(trait_item) = site.packages[tk].krate.index.get(&tid)
    {
        summary(site, p.package, tk, trait_item)
    } else if impl_item
        .attrs
        .iter()
        .any(|a| matches!(a, rustdoc_types::Attribute::AutomaticallyDerived))
    {
        "Derived.".to_owned()
    } else {
        description
    }
}

/// Rows of a trait's Implementors table, sorted by type; blanket implementations are left out.
fn implementor_rows(
    site: &Site,
    page: usize,
    t: &Trait,
    link: &dyn Fn(&Id) -> Option<String>,
) -> Vec<Vec<String>> {
    let p = &site.pages[page];
    let k = site.krate(page);
    let mut rows = Vec::new();
    for id in &t.implementations {
        let Some(impl_item) = k.index.get(id) else {
            continue;
        };
        let ItemEnum::Impl(imp) = &impl_item.inner else {
            continue;
        };
        if imp.blanket_impl.is_some() {
            continue;
        }
        let segs = type_segs(&imp.for_, link);
        rows.push((
            plain(&segs),
            vec![
                type_cell(&segs),
                summary(site, p.package, p.krate, impl_item),
            ],
        ));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.into_iter().map(|r| r.1).collect()
}

/// Marker traits that derives add and that tell a reader nothing.
const HIDDEN_TRAITS: [&str; 2] = ["StructuralPartialEq", "StructuralEq"];

fn last_segment(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}

fn inherent(k: &Crate, impls: &[Id]) -> Vec<Id> {
    impls
        .iter()
        .filter_map(|id| match k.index.get(id).map(|i| &i.inner) {
            Some(ItemEnum::Impl(imp))
                if imp.trait_.is_none() && !imp.is_synthetic && imp.blanket_impl.is_none() =>
            {
                Some(imp.items.clone())
            }
            _ => None,
        })
        .flatten()
        .filter(|id| {
            k.index
                .get(id)
                .is_some_and(|i| matches!(i.visibility, rustdoc_types::Visibility::Public))
        })
        .collect()
}

fn parameters_and_returns(
    site: &Site,
    page: usize,
    inputs: &[(String, Type)],
    output: Option<&Type>,
    arguments: &[markdown::ArgumentDoc],
) -> Vec<String> {
    let p = &site.pages[page];
    let link = linker(site, p.package, p.krate);
    let mut blocks = Vec::new();
    let rows = inputs
        .iter()
        .filter(|(name, _)| name != "self")
        .map(|(name, ty)| {
            let description = arguments
                .iter()
                .find(|a| a.name == *name)
                .map(|a| cell(&a.description))
                .unwrap_or_default();
            vec![name.clone(), type_cell(&type_segs(ty, &link)), description]
        })
        .collect::<Vec<_>>();
    push_table(
        &mut blocks,
        "Parameters",
        &["Parameter", "Type", "Description"],
        rows,
    );
    let returns = output
        .map(|ty| plain(&type_segs(ty, &link)))
        .unwrap_or_else(|| "()".to_owned());
    blocks.push(format!("<b>Returns:</b>\n\n`{returns}`"));
    blocks
}

pub(super) fn member_page(site: &Site, page: usize) -> String {
    let p = &site.pages[page];
    let Some(item) = site.item(page) else {
        return String::new();
    };
    let link = linker(site, p.package, p.krate);
    let owner = p
        .crumbs
        .last()
        .map(|&o| site.pages[o].name.clone())
        .unwrap_or_default();
    let owner_is_trait = p
        .crumbs
        .last()
        .and_then(|&o| site.item(o))
        .is_some_and(|o| matches!(o.inner, ItemEnum::Trait(_)));
    let heading = match p.kind {
        PageKind::Method => format!("## {owner}.{}() method", p.name),
        _ => format!("## {owner}.{} field", p.name),
    };
    let mut blocks = vec![HEADER.to_owned(), breadcrumb(site, page), heading];
    let mut doc = docs(site, p.package, p.krate, item);
    let mut arguments = Vec::new();
    if p.kind == PageKind::Method {
        (arguments, doc) = markdown::split_arguments(&doc);
    }
    blocks.extend(deprecation(item));
    blocks.push(markdown::page_doc(&doc));
    let mut printer = Printer::new(&link);
    match &item.inner {
        ItemEnum::Function(_) => decl::assoc_decl(&mut printer, item, "", owner_is_trait),
        ItemEnum::StructField(ty) => {
            printer.text(&format!("pub {}: ", p.name));
            printer.ty(ty);
        }
        _ => {}
    }
    blocks.push(signature_block(&plain(&printer.finish())));
    if let ItemEnum::Function(f) = &item.inner {
        blocks.extend(parameters_and_returns(
            site,
            page,
            &f.sig.inputs,
            f.sig.output.as_ref(),
            &arguments,
        ));
    }
    assemble(blocks)
}
