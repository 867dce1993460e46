//! Declarations as they appear in the ```rust signature blocks and in the API report.

use rustdoc_types::{Crate, Id, Item, ItemEnum, StructKind, Type, VariantKind, Visibility};

use super::sig::{Printer, Seg};

/// The kind word of page headings (`## Logger struct`) and the table an item is listed in.
pub(crate) fn kind_word(item: &Item) -> &'static str {
    match &item.inner {
        ItemEnum::Module(_) => "module",
        ItemEnum::Struct(_) => "struct",
        ItemEnum::Union(_) => "union",
        ItemEnum::Enum(_) => "enum",
        ItemEnum::Trait(_) | ItemEnum::TraitAlias(_) => "trait",
        ItemEnum::TypeAlias(_) => "type",
        ItemEnum::Function(_) => "function",
        ItemEnum::Constant { .. } => "constant",
        ItemEnum::Static(_) => "static",
        ItemEnum::Macro(_) | ItemEnum::ProcMacro(_) => "macro",
        _ => "item",
    }
}

/// Package and module tables, in the order they appear on the page.
pub(crate) const TABLES: [(&str, &str, &str); 10] = [
    ("struct", "Structs", "Struct"),
    ("enum", "Enums", "Enum"),
    ("union", "Unions", "Union"),
    ("trait", "Traits", "Trait"),
    ("type", "Type Aliases", "Type Alias"),
    ("function", "Functions", "Function"),
    ("constant", "Constants", "Constant"),
    ("static", "Statics", "Static"),
    ("macro", "Macros", "Macro"),
    ("module", "Modules", "Module"),
];

/// Renders the declaration of `item` (exported as `name`) with `link` resolving ids to page files.
pub(crate) fn declaration(
    k: &Crate,
    item: &Item,
    name: &str,
    link: &dyn Fn(&Id) -> Option<String>,
) -> Vec<Seg> {
    let mut p = Printer::new(link);
    match &item.inner {
        ItemEnum::Module(_) => p.text(&format!("pub mod {name}")),
        ItemEnum::Struct(s) => {
            p.text(&format!("pub struct {name}"));
            p.generic_params(&s.generics);
            match &s.kind {
                StructKind::Unit => {
                    p.where_clause(&s.generics, "");
                    p.end(";", "");
                }
                StructKind::Tuple(fields) => {
                    p.text("(");
                    for (i, field) in fields.iter().enumerate() {
                        if i > 0 {
                            p.text(", ");
                        }
                        match field.and_then(|id| field_type(k, &id)) {
                            Some((vis, ty)) => {
                                p.text(vis);
                                p.ty(ty);
                            }
                            None => p.text("/* private field */"),
                        }
                    }
                    p.text(")");
                    p.where_clause(&s.generics, "");
                    p.end(";", "");
                }
                StructKind::Plain {
                    fields,
                    has_stripped_fields,
                } => {
                    p.where_clause(&s.generics, "");
                    fields_block(&mut p, k, fields, *has_stripped_fields, "");
                }
            }
        }
        ItemEnum::Union(u) => {
            p.text(&format!("pub union {name}"));
            p.generic_params(&u.generics);
            p.where_clause(&u.generics, "");
            fields_block(&mut p, k, &u.fields, u.has_stripped_fields, "");
        }
        ItemEnum::Enum(e) => {
            p.text(&format!("pub enum {name}"));
            p.generic_params(&e.generics);
            p.where_clause(&e.generics, "");
            p.end(" {", "");
            for variant in &e.variants {
                let Some(v) = k.index.get(variant) else {
                    continue;
                };
                p.text("\n    ");
                variant_decl(&mut p, k, v, "    ");
                p.text(",");
            }
            if e.has_stripped_variants {
                p.text("\n    // some variants omitted");
            }
            p.text(if e.variants.is_empty() && !e.has_stripped_variants {
                "}"
            } else {
                "\n}"
            });
        }
        ItemEnum::Trait(t) => {
            p.text(if t.is_unsafe {
                "pub unsafe trait "
            } else {
                "pub trait "
            });
            p.text(name);
            p.generic_params(&t.generics);
            if !t.bounds.is_empty() {
                p.text(": ");
                p.bounds(&t.bounds);
            }
            p.where_clause(&t.generics, "");
            p.end(" {", "");
            for id in &t.items {
                let Some(member) = k.index.get(id) else {
                    continue;
                };
                p.text("\n    ");
                assoc_decl(&mut p, member, "    ", true);
            }
            p.text(if t.items.is_empty() { "}" } else { "\n}" });
        }
        ItemEnum::TraitAlias(t) => {
            p.text(&format!("pub trait {name}"));
            p.generic_params(&t.generics);
            p.text(" = ");
            p.bounds(&t.params);
            p.where_clause(&t.generics, "");
            p.text(";");
        }
        ItemEnum::TypeAlias(t) => {
            p.text(&format!("pub type {name}"));
            p.generic_params(&t.generics);
            p.where_clause(&t.generics, "");
            p.text(" = ");
            p.ty(&t.type_);
            p.text(";");
        }
        ItemEnum::Function(f) => p.function("pub ", name, f, ""),
        ItemEnum::Constant { type_, const_ } => {
            p.text(&format!("pub const {name}: "));
            p.ty(type_);
            p.text(&format!(" = {};", const_.expr));
        }
        ItemEnum::Static(s) => {
            p.text(if s.is_mutable {
                "pub static mut "
            } else {
                "pub static "
            });
            p.text(name);
            p.text(": ");
            p.ty(&s.type_);
            p.text(&format!(" = {};", s.expr));
        }
        ItemEnum::Macro(text) => p.text(text),
        ItemEnum::ProcMacro(_) => p.text(&format!("#[proc_macro] {name}")),
        ItemEnum::StructField(ty) => {
            p.text(&format!("pub {name}: "));
            p.ty(ty);
        }
        ItemEnum::AssocConst { .. } | ItemEnum::AssocType { .. } => {
            assoc_decl(&mut p, item, "", true)
        }
        _ => p.text(name),
    }
    p.finish()
}

fn field_type<'k>(k: &'k Crate, id: &Id) -> Option<(&'static str, &'k Type)> {
    let field = k.index.get(id)?;
    match &field.inner {
        ItemEnum::StructField(ty) => Some((
            if matches!(field.visibility, Visibility::Public) {
                "pub "
            } else {
                ""
            },
            ty,
        )),
        _ => None,
    }
}

fn fields_block(p: &mut Printer, k: &Crate, fields: &[Id], stripped: bool, indent: &str) {
    if fields.is_empty() {
        p.end(
            if stripped {
                " { /* private fields */ }"
            } else {
                " {}"
            },
            indent,
        );
        return;
    }
    p.end(" {", indent);
    for id in fields {
        let Some(field) = k.index.get(id) else {
            continue;
        };
        let Some((vis, ty)) = field_type(k, id) else {
            continue;
        };
        p.text(&format!(
            "\n{indent}    {vis}{}: ",
            field.name.as_deref().unwrap_or("_")
        ));
        p.ty(ty);
        p.text(",");
    }
    if stripped {
        p.text(&format!("\n{indent}    /* private fields */"));
    }
    p.text(&format!("\n{indent}}}"));
}

/// A variant as declared: `Name`, `Name(T)`, `Name { a: T }`, with ` = discriminant`.
pub(crate) fn variant_decl(p: &mut Printer, k: &Crate, variant: &Item, indent: &str) {
    p.text(variant.name.as_deref().unwrap_or("_"));
    variant_fields(p, k, variant, indent);
    if let ItemEnum::Variant(v) = &variant.inner
        && let Some(discriminant) = &v.discriminant
    {
        p.text(&format!(" = {}", discriminant.expr));
    }
}

/// The fields part of a variant: `(T, U)`, ` { a: T }`, or nothing.
pub(crate) fn variant_fields(p: &mut Printer, k: &Crate, variant: &Item, indent: &str) {
    let ItemEnum::Variant(v) = &variant.inner else {
        return;
    };
    match &v.kind {
        VariantKind::Plain => {}
        VariantKind::Tuple(fields) => {
            p.text("(");
            for (i, field) in fields.iter().enumerate() {
                if i > 0 {
                    p.text(", ");
                }
                match field.and_then(|id| field_type(k, &id)) {
                    Some((_, ty)) => p.ty(ty),
                    None => p.text("/* private field */"),
                }
            }
            p.text(")");
        }
        VariantKind::Struct {
            fields,
            has_stripped_fields,
        } => {
            if indent.is_empty() {
                // One line, for table cells.
                p.text("{ ");
                for (i, id) in fields.iter().enumerate() {
                    let Some(field) = k.index.get(id) else {
                        continue;
                    };
                    let Some((_, ty)) = field_type(k, id) else {
                        continue;
                    };
                    if i > 0 {
                        p.text(", ");
                    }
                    p.text(&format!("{}: ", field.name.as_deref().unwrap_or("_")));
                    p.ty(ty);
                }
                p.text(if *has_stripped_fields { ", .. }" } else { " }" });
            } else {
                fields_block(p, k, fields, *has_stripped_fields, indent);
            }
        }
    }
}

/// An associated item of a trait or impl: `fn ...;` / `fn ... { ... }`, `const X: T;`, `type A: Bounds;`.
pub(crate) fn assoc_decl(p: &mut Printer, item: &Item, indent: &str, in_trait: bool) {
    let name = item.name.as_deref().unwrap_or("_");
    let vis = if in_trait { "" } else { "pub " };
    match &item.inner {
        ItemEnum::Function(f) => {
            p.function(vis, name, f, indent);
            p.end(
                if in_trait && f.has_body {
                    " { ... }"
                } else {
                    ";"
                },
                indent,
            );
        }
        ItemEnum::AssocConst { type_, value } => {
            p.text(&format!("{vis}const {name}: "));
            p.ty(type_);
            if let Some(value) = value {
                p.text(&format!(" = {value}"));
            }
            p.text(";");
        }
        ItemEnum::AssocType {
            generics,
            bounds,
            type_,
        } => {
            p.text(&format!("type {name}"));
            p.generic_params(generics);
            if !bounds.is_empty() {
                p.text(": ");
                p.bounds(bounds);
            }
            if let Some(ty) = type_ {
                p.text(" = ");
                p.ty(ty);
            }
            p.where_clause(generics, indent);
            p.end(";", indent);
        }
        _ => p.text(name),
    }
}
