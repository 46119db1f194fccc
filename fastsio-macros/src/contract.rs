//! What the handler macros record for the API contract: per `#[event]`, a fn describing its
//! payload and ack types; per `#[connect]`, a fn describing its auth type. Types are probed
//! (`fastsio::contract::probe`), by traits rather than by their names: the argument that reads
//! the payload or the auth payload is the one whose type says so, one without a JSON Schema is
//! recorded as untyped, and `build()` names it when the contract is on, so the handler
//! compiles either way.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{FnArg, ItemFn, ReturnType, Type};

/// Whether a type can be named in the generated fn (no `impl Trait`, no `_`).
fn nameable(ty: &Type) -> bool {
    let text = quote!(#ty).to_string();
    !text.contains("impl ")
        && !text
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|w| w == "_")
}

fn arg_types(func: &ItemFn) -> Vec<&Type> {
    func.sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(t) => Some(&*t.ty),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

/// The contract fn of an `#[event]`, on its proxy type.
pub fn event(func: &ItemFn) -> TokenStream {
    let vis = &func.vis;
    let ident = &func.sig.ident;
    let generic = !func.sig.generics.params.is_empty();
    let last = arg_types(func).last().copied();
    let payload = match last {
        _ if generic => quote!(::fastsio::contract::Payload::Any),
        Some(ty) if nameable(ty) => quote! {
            (&&::fastsio::contract::probe::Probe::<#ty>::new())
                .payload(generator)
                .unwrap_or(::fastsio::contract::Payload::Nothing)
        },
        Some(_) => quote!(::fastsio::contract::Payload::Any),
        None => quote!(::fastsio::contract::Payload::Nothing),
    };
    let ret = match &func.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    };
    let named_ret = match &func.sig.output {
        ReturnType::Default => true,
        ReturnType::Type(_, ty) => nameable(ty),
    };
    let ack = if generic || !named_ret {
        quote! {
            ::fastsio::contract::AckShape {
                value: ::fastsio::contract::AckValue::Any,
                codes: &[],
            }
        }
    } else {
        quote!((&::fastsio::contract::probe::Probe::<#ret>::new()).ack(generator))
    };
    quote! {
        impl #ident {
            /// What this handler tells the API contract.
            #[doc(hidden)]
            #[allow(unused_imports, clippy::needless_borrow, dead_code)]
            #vis fn __fastsio_contract(
                generator: &mut ::fastsio::contract::schemars::SchemaGenerator,
            ) -> ::fastsio::contract::EventDescription {
                use ::fastsio::contract::probe::{
                    NoAckSchema as _, NoPayloadSchema as _, UntypedPayload as _, ViaAckSchema as _,
                    ViaPayloadSchema as _,
                };
                ::fastsio::contract::EventDescription {
                    payload: #payload,
                    ack: #ack,
                }
            }
        }
    }
}

/// The contract fn of a `#[connect]`, on a type named like the fn (which routers call).
pub fn connect(func: &ItemFn) -> TokenStream {
    let vis = &func.vis;
    let ident = &func.sig.ident;
    let probes = arg_types(func)
        .into_iter()
        .filter(|ty| nameable(ty) && func.sig.generics.params.is_empty())
        .map(|ty| {
            quote! {
                .or_else(|| (&&::fastsio::contract::probe::Probe::<#ty>::new()).auth(generator))
            }
        });
    let auth = quote! {
        None #(#probes)*.unwrap_or(::fastsio::contract::AuthShape::Unread)
    };
    let doc = format!("The auth payload [`{ident}`](fn@{ident}) reads, for the API contract.");
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #ident {}

        impl #ident {
            /// What this handler tells the API contract.
            #[doc(hidden)]
            #[allow(unused_imports, clippy::needless_borrow, dead_code)]
            #vis fn __fastsio_contract(
                generator: &mut ::fastsio::contract::schemars::SchemaGenerator,
            ) -> ::fastsio::contract::AuthShape {
                use ::fastsio::contract::probe::{NoAuthSchema as _, UntypedAuth as _, ViaAuthSchema as _};
                #auth
            }
        }
    }
}
