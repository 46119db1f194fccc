//! What the handler macros record for the API contract: per `#[event]`, a fn describing its
//! payload and ack types; per `#[connect]`, a fn describing its auth type. Types are probed
//! (`fastsio::contract::probe`): one without a JSON Schema is recorded as untyped, and
//! `build()` names it when the contract is on, so the handler compiles either way.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Type};

/// Extractors that never read the payload.
const PARTS: &[&str] = &[
    "SocketRef",
    "SocketId",
    "Io",
    "Handshake",
    "Event",
    "State",
    "Session",
    "NsParam",
    "Extension",
];

/// Extractors that read the payload.
const PAYLOAD: &[&str] = &["Data", "Valid", "Bin", "RawArgs"];

/// The last path segment's name of a type, looking through `Option<..>` and `Result<.., _>`.
fn name(ty: &Type) -> Option<String> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let ident = last.ident.to_string();
    if (ident == "Option" || ident == "Result")
        && let PathArguments::AngleBracketed(a) = &last.arguments
        && let Some(GenericArgument::Type(inner)) = a.args.first()
    {
        return name(inner);
    }
    Some(ident)
}

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
        Some(ty) if nameable(ty) => match name(ty) {
            Some(n) if PARTS.contains(&n.as_str()) => quote!(::fastsio::contract::Payload::Nothing),
            Some(n) if PAYLOAD.contains(&n.as_str()) => quote! {
                (&::fastsio::contract::probe::Probe::<#ty>::new())
                    .payload(generator)
                    .unwrap_or_else(|| ::fastsio::contract::Payload::Untyped(
                        ::fastsio::contract::probe::type_name::<#ty>(),
                    ))
            },
            _ => quote! {
                (&::fastsio::contract::probe::Probe::<#ty>::new())
                    .payload(generator)
                    .unwrap_or(::fastsio::contract::Payload::Nothing)
            },
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
                    NoAckSchema as _, NoPayloadSchema as _, ViaAckSchema as _, ViaPayloadSchema as _,
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
    let auth = arg_types(func)
        .into_iter()
        .filter(|ty| nameable(ty) && func.sig.generics.params.is_empty())
        .find_map(|ty| {
            let Type::Path(p) = ty else { return None };
            let segment = p.path.segments.last()?;
            let reads_auth = match segment.ident.to_string().as_str() {
                "Auth" => true,
                "Valid" | "Option" | "Result" => {
                    name(ty).is_some_and(|n| n == "Auth")
                        || quote!(#segment).to_string().contains("Auth <")
                }
                _ => false,
            };
            reads_auth.then(|| {
                quote! {
                    (&::fastsio::contract::probe::Probe::<#ty>::new())
                        .auth(generator)
                        .unwrap_or_else(|| ::fastsio::contract::AuthShape::Untyped(
                            ::fastsio::contract::probe::type_name::<#ty>(),
                        ))
                }
            })
        })
        .unwrap_or_else(|| quote!(::fastsio::contract::AuthShape::Unread));
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
                use ::fastsio::contract::probe::{NoAuthSchema as _, ViaAuthSchema as _};
                #auth
            }
        }
    }
}
