//! Methods that `#[async_trait]` expanded before errmon's attribute: recognised as
//! tracing-attributes recognises them, so the future, not the box, is instrumented.

use syn::visit_mut::VisitMut;
use syn::{Block, Expr, ReturnType, Signature, Stmt, Type};

/// The output type of a future that `#[async_trait]` built, when known.
pub(super) struct Output(pub(super) Option<Type>);

/// Recognises a method that `#[async_trait]` already expanded: a sync `fn` returning
/// `Pin<Box<dyn Future<Output = R> + ..>>` whose body is `Box::pin(async move { .. })`.
/// tracing-attributes recognises it the same way.
pub(super) fn output(sig: &Signature, block: &Block) -> Option<Output> {
    // `#[async_trait]` always adds this lifetime; a hand-written boxed future is left alone.
    let marked = sig
        .generics
        .lifetimes()
        .any(|l| l.lifetime.ident == "async_trait");
    if sig.asyncness.is_some() || !marked {
        return None;
    }
    let ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let Type::Path(pin) = &**ty else { return None };
    if pin.path.segments.last()?.ident != "Pin" {
        return None;
    }
    let [Stmt::Expr(Expr::Call(call), None)] = block.stmts.as_slice() else {
        return None;
    };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    let names: Vec<_> = func
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !names.ends_with(&["Box".to_owned(), "pin".to_owned()]) || call.args.len() != 1 {
        return None;
    }
    let Some(Expr::Async(future)) = call.args.first() else {
        return None;
    };
    future.capture?;
    // `syn::visit` is not enabled; a mutable visit of a copy finds the bound as well.
    let mut finder = FutureOutput(None);
    finder.visit_type_path_mut(&mut pin.clone());
    let output = finder.0.map(|mut ty| {
        super::body::ImplTraitToInfer.visit_type_mut(&mut ty);
        ty
    });
    Some(Output(output))
}

/// The `async move` block of a body recognised by [`output`].
pub(super) fn future(block: &mut Block) -> Option<&mut syn::ExprAsync> {
    let Some(Stmt::Expr(Expr::Call(call), None)) = block.stmts.first_mut() else {
        return None;
    };
    match call.args.first_mut() {
        Some(Expr::Async(future)) => Some(future),
        _ => None,
    }
}

/// Finds `Output = R` in `Pin<Box<dyn Future<Output = R> + ..>>`.
struct FutureOutput(Option<Type>);

impl VisitMut for FutureOutput {
    fn visit_trait_bound_mut(&mut self, bound: &mut syn::TraitBound) {
        let Some(last) = bound.path.segments.last() else {
            return;
        };
        if last.ident != "Future" {
            return;
        }
        if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
            for arg in &args.args {
                if let syn::GenericArgument::AssocType(assoc) = arg {
                    if assoc.ident == "Output" {
                        self.0 = Some(assoc.ty.clone());
                    }
                }
            }
        }
    }
}
