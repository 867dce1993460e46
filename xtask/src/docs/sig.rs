//! Rust source text for rustdoc JSON types and declarations, as segments so that names of documented items can
//! become links in tables while the same text fills the ```rust signature blocks.

use rustdoc_types::{
    Abi, AssocItemConstraint, AssocItemConstraintKind, FunctionHeader, FunctionPointer,
    FunctionSignature, GenericArg, GenericArgs, GenericBound, GenericParamDef, GenericParamDefKind,
    Generics, Id, Path, PreciseCapturingArg, Term, TraitBoundModifier, Type, WherePredicate,
};

/// A piece of rendered Rust: plain text, or the name of an item that has a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// Source text.
    Text(String),
    /// An item name with the page file it links to.
    Link { text: String, file: String },
}

/// Renders types into segments; `link` maps an item id (of the crate being rendered) to its page file.
pub(crate) struct Printer<'a> {
    link: &'a dyn Fn(&Id) -> Option<String>,
    segs: Vec<Seg>,
    /// Set after a where clause, whose last predicate ends in `,` until [`Printer::end`] closes it.
    after_where: bool,
}

impl<'a> Printer<'a> {
    pub(crate) fn new(link: &'a dyn Fn(&Id) -> Option<String>) -> Self {
        Printer {
            link,
            segs: Vec::new(),
            after_where: false,
        }
    }

    pub(crate) fn finish(self) -> Vec<Seg> {
        self.segs
    }

    /// Ends a declaration with `;` or a body such as ` { ... }`, as rustfmt places them after a where clause.
    pub(crate) fn end(&mut self, terminator: &str, indent: &str) {
        if self.after_where {
            if let Some(Seg::Text(last)) = self.segs.last_mut()
                && last.ends_with(',')
            {
                last.pop();
            }
            if terminator == ";" {
                self.text(";");
            } else {
                self.text(&format!("\n{indent}{}", terminator.trim_start()));
            }
        } else {
            self.text(terminator);
        }
    }

    pub(crate) fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        self.after_where = false;
        match self.segs.last_mut() {
            Some(Seg::Text(last)) => last.push_str(text),
            _ => self.segs.push(Seg::Text(text.to_owned())),
        }
    }

    pub(crate) fn ty(&mut self, ty: &Type) {
        match ty {
            Type::ResolvedPath(path) => self.path(path),
            Type::DynTrait(dyn_trait) => {
                self.text("dyn ");
                for (i, poly) in dyn_trait.traits.iter().enumerate() {
                    if i > 0 {
                        self.text(" + ");
                    }
                    self.hrtb(&poly.generic_params);
                    self.path(&poly.trait_);
                }
                if let Some(lifetime) = &dyn_trait.lifetime {
                    self.text(" + ");
                    self.text(lifetime);
                }
            }
            Type::Generic(name) | Type::Primitive(name) => self.text(name),
            Type::FunctionPointer(fp) => self.fn_pointer(fp),
            Type::Tuple(types) => {
                self.text("(");
                self.list(types, |p, t| p.ty(t));
                if types.len() == 1 {
                    self.text(",");
                }
                self.text(")");
            }
            Type::Slice(inner) => {
                self.text("[");
                self.ty(inner);
                self.text("]");
            }
            Type::Array { type_, len } => {
                self.text("[");
                self.ty(type_);
                self.text("; ");
                self.text(len);
                self.text("]");
            }
            Type::Pat { type_, .. } => self.ty(type_),
            Type::ImplTrait(bounds) => {
                self.text("impl ");
                self.bounds(bounds);
            }
            Type::Infer => self.text("_"),
            Type::RawPointer { is_mutable, type_ } => {
                self.text(if *is_mutable { "*mut " } else { "*const " });
                self.ty(type_);
            }
            Type::BorrowedRef {
                lifetime,
                is_mutable,
                type_,
            } => {
                self.text("&");
                if let Some(lifetime) = lifetime {
                    self.text(lifetime);
                    self.text(" ");
                }
                if *is_mutable {
                    self.text("mut ");
                }
                self.ty(type_);
            }
            Type::QualifiedPath {
                name,
                args,
                self_type,
                trait_,
            } => {
                // `T::Name` as usually written for generic parameters and `Self`; `<X as Trait>::Name` otherwise.
                match trait_ {
                    Some(trait_)
                        if !trait_.path.is_empty() && !matches!(**self_type, Type::Generic(_)) =>
                    {
                        self.text("<");
                        self.ty(self_type);
                        self.text(" as ");
                        self.path(trait_);
                        self.text(">");
                    }
                    _ => self.ty(self_type),
                }
                self.text("::");
                self.text(name);
                if let Some(args) = args {
                    self.generic_args(args);
                }
            }
        }
    }

    pub(crate) fn path(&mut self, path: &Path) {
        // Items of ours show their name (it links to their page); others keep the path as written, less the
        // source-relative `crate::`, `self::` and `super::` prefixes.
        let mut written = path.path.as_str();
        while let Some(rest) = ["crate::", "self::", "super::"]
            .iter()
            .find_map(|prefix| written.strip_prefix(prefix))
        {
            written = rest;
        }
        let last = written.rsplit("::").next().unwrap_or(written);
        match (self.link)(&path.id) {
            Some(file) => self.segs.push(Seg::Link {
                text: last.to_owned(),
                file,
            }),
            None => self.text(written),
        }
        if let Some(args) = &path.args {
            self.generic_args(args);
        }
    }

    fn generic_args(&mut self, args: &GenericArgs) {
        match args {
            GenericArgs::AngleBracketed { args, constraints } => {
                if args.is_empty() && constraints.is_empty() {
                    return;
                }
                self.text("<");
                self.list(args, |p, arg| p.generic_arg(arg));
                if !args.is_empty() && !constraints.is_empty() {
                    self.text(", ");
                }
                self.list(constraints, |p, c| p.constraint(c));
                self.text(">");
            }
            GenericArgs::Parenthesized { inputs, output } => {
                self.text("(");
                self.list(inputs, |p, t| p.ty(t));
                self.text(")");
                if let Some(output) = output {
                    self.text(" -> ");
                    self.ty(output);
                }
            }
            GenericArgs::ReturnTypeNotation => self.text("(..)"),
        }
    }

    fn generic_arg(&mut self, arg: &GenericArg) {
        match arg {
            GenericArg::Lifetime(lifetime) => self.text(lifetime),
            GenericArg::Type(ty) => self.ty(ty),
            GenericArg::Const(constant) => self.text(&constant.expr),
            GenericArg::Infer => self.text("_"),
        }
    }

    fn constraint(&mut self, constraint: &AssocItemConstraint) {
        self.text(&constraint.name);
        if let Some(args) = &constraint.args {
            self.generic_args(args);
        }
        match &constraint.binding {
            AssocItemConstraintKind::Equality(term) => {
                self.text(" = ");
                self.term(term);
            }
            AssocItemConstraintKind::Constraint(bounds) => {
                self.text(": ");
                self.bounds(bounds);
            }
        }
    }

    fn term(&mut self, term: &Term) {
        match term {
            Term::Type(ty) => self.ty(ty),
            Term::Constant(constant) => self.text(&constant.expr),
        }
    }

    pub(crate) fn bounds(&mut self, bounds: &[GenericBound]) {
        for (i, bound) in bounds.iter().enumerate() {
            if i > 0 {
                self.text(" + ");
            }
            match bound {
                GenericBound::TraitBound {
                    trait_,
                    generic_params,
                    modifier,
                } => {
                    self.hrtb(generic_params);
                    match modifier {
                        TraitBoundModifier::None => {}
                        TraitBoundModifier::Maybe => self.text("?"),
                        TraitBoundModifier::MaybeConst => self.text("~const "),
                    }
                    self.path(trait_);
                }
                GenericBound::Outlives(lifetime) => self.text(lifetime),
                GenericBound::Use(args) => {
                    self.text("use<");
                    self.list(args, |p, arg| match arg {
                        PreciseCapturingArg::Lifetime(name) | PreciseCapturingArg::Param(name) => {
                            p.text(name)
                        }
                    });
                    self.text(">");
                }
            }
        }
    }

    fn hrtb(&mut self, params: &[GenericParamDef]) {
        if params.is_empty() {
            return;
        }
        self.text("for<");
        self.list(params, |p, param| p.text(&param.name));
        self.text("> ");
    }

    fn fn_pointer(&mut self, fp: &FunctionPointer) {
        self.hrtb(&fp.generic_params);
        self.header(&fp.header);
        self.text("fn(");
        self.list(&fp.sig.inputs, |p, (name, ty)| {
            if name != "_" && !name.is_empty() {
                p.text(name);
                p.text(": ");
            }
            p.ty(ty);
        });
        self.text(")");
        self.output(&fp.sig);
    }

    /// `const async unsafe extern "C" ` as it precedes `fn`.
    pub(crate) fn header(&mut self, header: &FunctionHeader) {
        if header.is_const {
            self.text("const ");
        }
        if header.is_async {
            self.text("async ");
        }
        if header.is_unsafe {
            self.text("unsafe ");
        }
        match &header.abi {
            Abi::Rust => {}
            Abi::C { .. } => self.text("extern \"C\" "),
            Abi::System { .. } => self.text("extern \"system\" "),
            other => self.text(&format!("extern \"{}\" ", abi_name(other))),
        }
    }

    fn output(&mut self, sig: &FunctionSignature) {
        if let Some(output) = &sig.output {
            self.text(" -> ");
            self.ty(output);
        }
    }

    /// `<'a, T: Bound>`; synthetic params (from `impl Trait` arguments) are left out as in the source.
    pub(crate) fn generic_params(&mut self, generics: &Generics) {
        let params: Vec<&GenericParamDef> = generics
            .params
            .iter()
            .filter(|p| !is_synthetic(p))
            .collect();
        if params.is_empty() {
            return;
        }
        self.text("<");
        self.list(&params, |p, param| p.param(param));
        self.text(">");
    }

    fn param(&mut self, param: &GenericParamDef) {
        match &param.kind {
            GenericParamDefKind::Lifetime { outlives } => {
                self.text(&param.name);
                if !outlives.is_empty() {
                    self.text(": ");
                    self.text(&outlives.join(" + "));
                }
            }
            GenericParamDefKind::Type {
                bounds, default, ..
            } => {
                self.text(&param.name);
                if !bounds.is_empty() {
                    self.text(": ");
                    self.bounds(bounds);
                }
                if let Some(default) = default {
                    self.text(" = ");
                    self.ty(default);
                }
            }
            GenericParamDefKind::Const { type_, default } => {
                self.text("const ");
                self.text(&param.name);
                self.text(": ");
                self.ty(type_);
                if let Some(default) = default {
                    self.text(" = ");
                    self.text(default);
                }
            }
        }
    }

    /// A where clause on its own lines (`\nwhere\n    T: Bound,`), or nothing.
    pub(crate) fn where_clause(&mut self, generics: &Generics, indent: &str) {
        if generics.where_predicates.is_empty() {
            return;
        }
        self.text("\n");
        self.text(indent);
        self.text("where");
        for predicate in &generics.where_predicates {
            self.text("\n");
            self.text(indent);
            self.text("    ");
            match predicate {
                WherePredicate::BoundPredicate {
                    type_,
                    bounds,
                    generic_params,
                } => {
                    self.hrtb(generic_params);
                    self.ty(type_);
                    self.text(": ");
                    self.bounds(bounds);
                }
                WherePredicate::LifetimePredicate { lifetime, outlives } => {
                    self.text(lifetime);
                    self.text(": ");
                    self.text(&outlives.join(" + "));
                }
                WherePredicate::EqPredicate { lhs, rhs } => {
                    self.ty(lhs);
                    self.text(" = ");
                    self.term(rhs);
                }
            }
            self.text(",");
        }
        self.after_where = true;
    }

    /// `pub async fn name<T>(&self, a: A) -> R where ...` without a trailing `;`.
    pub(crate) fn function(
        &mut self,
        vis: &str,
        name: &str,
        f: &rustdoc_types::Function,
        indent: &str,
    ) {
        self.text(vis);
        self.header(&f.header);
        self.text("fn ");
        self.text(name);
        self.generic_params(&f.generics);
        self.text("(");
        self.list(&f.sig.inputs, |p, (arg, ty)| p.argument(arg, ty));
        if f.sig.is_c_variadic {
            self.text(", ...");
        }
        self.text(")");
        self.output(&f.sig);
        self.where_clause(&f.generics, indent);
    }

    fn argument(&mut self, name: &str, ty: &Type) {
        if name == "self" {
            match ty {
                Type::Generic(s) if s == "Self" => return self.text("self"),
                Type::BorrowedRef {
                    lifetime,
                    is_mutable,
                    type_,
                } if matches!(**type_, Type::Generic(ref s) if s == "Self") => {
                    self.text("&");
                    if let Some(lifetime) = lifetime {
                        self.text(lifetime);
                        self.text(" ");
                    }
                    return self.text(if *is_mutable { "mut self" } else { "self" });
                }
                _ => {}
            }
        }
        self.text(name);
        self.text(": ");
        self.ty(ty);
    }

    fn list<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.text(", ");
            }
            each(self, item);
        }
    }
}

fn is_synthetic(param: &GenericParamDef) -> bool {
    matches!(
        param.kind,
        GenericParamDefKind::Type {
            is_synthetic: true,
            ..
        }
    )
}

fn abi_name(abi: &Abi) -> String {
    match abi {
        Abi::Other(name) => name.clone(),
        other => format!("{other:?}")
            .split_whitespace()
            .next()
            .unwrap_or("C")
            .to_lowercase(),
    }
}

/// The plain text of segments (links become their text).
pub(crate) fn plain(segs: &[Seg]) -> String {
    segs.iter()
        .map(|seg| match seg {
            Seg::Text(text) | Seg::Link { text, .. } => text.as_str(),
        })
        .collect()
}
