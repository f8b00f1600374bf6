//! Sync functions that return a future: the call is the future's, from its first poll to its
//! value, not the construction of the future.
//!
//! A body whose tail is `async { .. }` or `Box::pin(async move { .. })` (tower's
//! `Service::call`, hand-written `-> impl Future`) is instrumented inside that block, keeping
//! the tail form, as tracing-attributes does. A future of any other form, under a return type
//! that says it is one, is wrapped in `errmon_runtime::__private::Returned`.

use syn::visit_mut::VisitMut;
use syn::{Block, Expr, ExprAsync, GenericArgument, PathArguments, ReturnType, Stmt, Type};

use super::body::ImplTraitToInfer;

/// A return type that is a future, as far as its tokens tell.
pub(crate) struct FutureType {
    /// Its `Output`, with every `impl Trait` replaced by `_`.
    pub output: Option<Type>,
    /// `Pin<Box<dyn Future ..>>` or `BoxFuture<..>`, rather than `impl Future<..>`.
    pub boxed: bool,
}

/// `impl Future<Output = R>`, `Pin<Box<dyn Future<Output = R> ..>>`, `BoxFuture<'_, R>` or
/// `LocalBoxFuture<'_, R>`.
pub(crate) fn future_type(output: &ReturnType) -> Option<FutureType> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let pinned = |ty: Option<Type>| {
        ty.map(|mut ty| {
            ImplTraitToInfer.visit_type_mut(&mut ty);
            ty
        })
    };
    match &**ty {
        Type::ImplTrait(it) => {
            let bound = it.bounds.iter().find_map(|b| match b {
                syn::TypeParamBound::Trait(t) => future_bound(&t.path),
                _ => None,
            })?;
            Some(FutureType {
                output: pinned(bound),
                boxed: false,
            })
        }
        Type::Path(p) => {
            let last = p.path.segments.last()?;
            if last.ident == "BoxFuture" || last.ident == "LocalBoxFuture" {
                let PathArguments::AngleBracketed(args) = &last.arguments else {
                    return None;
                };
                let output = args.args.iter().find_map(|a| match a {
                    GenericArgument::Type(t) => Some(t.clone()),
                    _ => None,
                });
                return Some(FutureType {
                    output: pinned(output),
                    boxed: true,
                });
            }
            if last.ident != "Pin" {
                return None;
            }
            let boxed = single_type_arg(&last.arguments)?;
            let Type::Path(b) = boxed else { return None };
            let b = b.path.segments.last()?;
            if b.ident != "Box" {
                return None;
            }
            let Type::TraitObject(dyn_) = single_type_arg(&b.arguments)? else {
                return None;
            };
            let bound = dyn_.bounds.iter().find_map(|b| match b {
                syn::TypeParamBound::Trait(t) => future_bound(&t.path),
                _ => None,
            })?;
            Some(FutureType {
                output: pinned(bound),
                boxed: true,
            })
        }
        _ => None,
    }
}

/// `Some(Some(R))` for `Future<Output = R>`, `Some(None)` for a `Future` bound without it.
fn future_bound(path: &syn::Path) -> Option<Option<Type>> {
    let last = path.segments.last()?;
    if last.ident != "Future" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return Some(None);
    };
    Some(args.args.iter().find_map(|a| match a {
        GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(assoc.ty.clone()),
        _ => None,
    }))
}

fn single_type_arg(args: &PathArguments) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = args else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// The `async` block a body ends with, as `async { .. }` or `Box::pin(async { .. })`.
pub(super) fn tail_future(block: &mut Block) -> Option<&mut ExprAsync> {
    let Some(Stmt::Expr(tail, None)) = block.stmts.last_mut() else {
        return None;
    };
    match tail {
        Expr::Async(fut) => Some(fut),
        Expr::Call(call) if is_box_pin(&call.func) && call.args.len() == 1 => {
            match call.args.first_mut() {
                Some(Expr::Async(fut)) => Some(fut),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `Box::pin`, however qualified.
fn is_box_pin(func: &Expr) -> bool {
    let Expr::Path(p) = func else { return false };
    let mut names = p.path.segments.iter().rev().map(|s| s.ident.to_string());
    names.next().as_deref() == Some("pin") && names.next().as_deref() == Some("Box")
}
