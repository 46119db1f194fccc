//! `#[event]`, `#[connect]`, `#[disconnect]`: checks at the user's tokens, then the item as
//! written (plus, for events, the proxy type that carries the name).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, LitStr, PathArguments, Type};

use crate::args::Errors;
use crate::names;

/// Which handler an attribute declares.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Event,
    Connect,
    Disconnect,
}

impl Kind {
    fn attr(self) -> &'static str {
        match self {
            Kind::Event => "#[event]",
            Kind::Connect => "#[connect]",
            Kind::Disconnect => "#[disconnect]",
        }
    }
}

/// What an argument's type is, as far as its spelling tells.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    /// `Data`, `Valid` (of a payload), `Bin`, `RawArgs`: consumes the event payload.
    Payload,
    /// `Auth<T>` or `Valid<Auth<T>>`.
    Auth,
    /// `Reason`.
    Reason,
    /// `Event`.
    EventName,
    /// Anything else (`SocketRef`, `State<T>`, user extractors...).
    Other,
}

fn last_ident(ty: &Type) -> Option<(&syn::Ident, &PathArguments)> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| (&s.ident, &s.arguments)),
        _ => None,
    }
}

fn first_generic(args: &PathArguments) -> Option<&Type> {
    match args {
        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

fn classify(ty: &Type) -> Arg {
    let Some((ident, generics)) = last_ident(ty) else {
        return Arg::Other;
    };
    match ident.to_string().as_str() {
        "Data" | "Bin" | "RawArgs" => Arg::Payload,
        "Valid" => match first_generic(generics).and_then(last_ident) {
            Some((inner, _)) if inner == "Auth" => Arg::Auth,
            _ => Arg::Payload,
        },
        "Auth" => Arg::Auth,
        "Reason" => Arg::Reason,
        "Event" => Arg::EventName,
        _ => Arg::Other,
    }
}

fn check_args(kind: Kind, func: &ItemFn, errors: &mut Errors) {
    let count = func.sig.inputs.len();
    for (i, input) in func.sig.inputs.iter().enumerate() {
        let ty = match input {
            FnArg::Receiver(r) => {
                errors.push(syn::Error::new(
                    r.span(),
                    format!("{} handlers are free functions: remove `self`", kind.attr()),
                ));
                continue;
            }
            FnArg::Typed(t) => &*t.ty,
        };
        let span = ty.span();
        let message = match (kind, classify(ty)) {
            (Kind::Event, Arg::Payload) if i + 1 != count => Some(
                "this extractor consumes the event payload, so it must be the last argument and the only one of its kind: move it last (a tuple `Data<(A, B)>` takes several arguments)".to_string(),
            ),
            (Kind::Event | Kind::Disconnect, Arg::Auth) => Some(
                "`Auth<T>` is only available in #[connect] handlers: read what you need at connect time and keep it with `socket.insert(..)`, then take `Session<T>` here".to_string(),
            ),
            (Kind::Event | Kind::Connect, Arg::Reason) => Some(format!(
                "`Reason` is only available in #[disconnect] handlers, not in {} handlers",
                kind.attr()
            )),
            (Kind::Connect | Kind::Disconnect, Arg::Payload) => Some(format!(
                "{} handlers receive no event payload: `Data`, `Valid`, `Bin` and `RawArgs` belong to #[event] handlers{}",
                kind.attr(),
                if kind == Kind::Connect {
                    " (validate the auth payload with `Valid<Auth<T>>`)"
                } else {
                    ""
                }
            )),
            (Kind::Connect | Kind::Disconnect, Arg::EventName) => Some(format!(
                "`Event` (the event name) is only available in #[event] handlers, not in {} handlers",
                kind.attr()
            )),
            _ => None,
        };
        if let Some(message) = message {
            errors.push(syn::Error::new(span, message));
        }
    }
}

/// Expands one handler attribute.
pub fn expand(kind: Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = syn::Error::new(
                item.span(),
                format!("{} goes on an `async fn`", kind.attr()),
            );
            let errors = e.to_compile_error();
            return quote!(#errors #item);
        }
    };
    let mut errors = Errors::default();
    let name = match kind {
        Kind::Event => parse_event_args(attr, &func, &mut errors),
        Kind::Connect | Kind::Disconnect => {
            if !attr.is_empty() {
                errors.push(syn::Error::new(
                    attr.span(),
                    format!("{} takes no arguments: write it alone", kind.attr()),
                ));
            }
            None
        }
    };
    if func.sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            func.sig.fn_token.span(),
            format!("{} handlers must be `async fn`: add `async`", kind.attr()),
        ));
    }
    check_args(kind, &func, &mut errors);
    let proxy = name.map(
        |EventArgs {
             name,
             state,
             middleware,
         }| {
            let vis = &func.vis;
            let ident = &func.sig.ident;
            let doc = format!(
                "The `{}` event: the name [`{ident}`](fn@{ident}) handles.",
                name.value()
            );
            let bounds = arg_bounds(&func);
            let layers = event_layers(&name, state.as_ref(), &middleware, vis);
            let contract = crate::contract::event(&func);
            quote! {
                #[doc = #doc]
                #[allow(non_camel_case_types)]
                #vis struct #ident {}

                impl ::fastsio::handler::EventRoute for #ident {
                    const EVENT: &'static str = #name;
                }

                #contract

                impl #ident {
                    /// Instantiated by routers with their state type: each bound fails on the
                    /// argument that cannot be extracted.
                    #[doc(hidden)]
                    #vis fn __fastsio_check<S>() where #(#bounds)* {}

                    #layers
                }
            }
        },
    );
    let errors = errors.into_compile_errors();
    let connect = (kind == Kind::Connect).then(|| crate::contract::connect(&func));
    quote! {
        #errors
        #func
        #proxy
        #connect
    }
}

/// The fn routers call to add the event's own middleware (`middleware(..)`), for the event's
/// `state` type or for any state.
fn event_layers(
    name: &LitStr,
    state: Option<&Type>,
    middleware: &[syn::Expr],
    vis: &syn::Visibility,
) -> TokenStream {
    let layers = middleware
        .iter()
        .map(|m| quote_spanned!(m.span()=> .event_middleware(#name, #m)));
    match state {
        Some(state) => quote! {
            #[doc(hidden)]
            #vis fn __fastsio_layers(routes: ::fastsio::Routes<#state>) -> ::fastsio::Routes<#state> {
                routes #(#layers)*
            }
        },
        None => quote! {
            #[doc(hidden)]
            #vis fn __fastsio_layers<S: ::core::marker::Send + ::core::marker::Sync + 'static>(
                routes: ::fastsio::Routes<S>,
            ) -> ::fastsio::Routes<S> {
                routes #(#layers)*
            }
        },
    }
}

/// The extractor bounds an event handler's arguments must meet for a state `S`, each spanned
/// at its argument. The last argument is bound only when its spelling tells which kind it is
/// (a user-defined payload extractor is checked by the handler trait instead).
fn arg_bounds(func: &ItemFn) -> Vec<TokenStream> {
    let types: Vec<&Type> = func
        .sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(t) => Some(&*t.ty),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let mut bounds = Vec::new();
    for (i, ty) in types.iter().enumerate() {
        let last = i + 1 == types.len();
        let kind = classify(ty);
        let known_parts = matches!(
            last_ident(ty).map(|(id, _)| id.to_string()).as_deref(),
            Some("State" | "Session" | "SocketRef" | "SocketId" | "Io" | "Handshake" | "Event")
        );
        let bound = match (last, kind) {
            (true, Arg::Payload) => {
                quote_spanned!(ty.span()=> #ty: ::fastsio::extract::FromEventPayload<S>,)
            }
            (false, _) | (true, _) if !last || known_parts => {
                quote_spanned!(ty.span()=> #ty: ::fastsio::extract::FromEventParts<S>,)
            }
            _ => continue,
        };
        bounds.push(bound);
    }
    bounds
}

/// `#[event("name", state = Type, middleware(a, b))]`.
struct EventArgs {
    name: LitStr,
    state: Option<Type>,
    middleware: Vec<syn::Expr>,
}

fn parse_event_args(attr: TokenStream, func: &ItemFn, errors: &mut Errors) -> Option<EventArgs> {
    if attr.is_empty() {
        let ident = &func.sig.ident;
        errors.push(syn::Error::new(
            func.sig.ident.span(),
            format!("#[event] needs the event name clients emit: #[event(\"{ident}\")]"),
        ));
        return None;
    }
    let parser = |stream: syn::parse::ParseStream<'_>| {
        let name: LitStr = stream.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "#[event] takes the event name as a string first: #[event(\"join_room\")]",
            )
        })?;
        errors.take(names::check(&name.value(), name.span()));
        let mut args = EventArgs {
            name,
            state: None,
            middleware: Vec::new(),
        };
        let mut seen = std::collections::HashSet::new();
        while !stream.is_empty() {
            stream.parse::<syn::Token![,]>()?;
            if stream.is_empty() {
                break;
            }
            let key: syn::Ident = stream.parse()?;
            if !seen.insert(key.to_string()) {
                errors.push(syn::Error::new(
                    key.span(),
                    format!("`{key}` is given twice: keep one"),
                ));
            }
            match key.to_string().as_str() {
                "state" => {
                    stream.parse::<syn::Token![=]>()?;
                    args.state = Some(stream.parse()?);
                }
                "middleware" => {
                    let content;
                    syn::parenthesized!(content in stream);
                    args.middleware.extend(content.parse_terminated(
                        <syn::Expr as syn::parse::Parse>::parse,
                        syn::Token![,],
                    )?);
                }
                _ => {
                    errors.push(syn::Error::new(
                        key.span(),
                        "unknown #[event] argument: after the name, write `state = Type` or `middleware(..)`",
                    ));
                    if stream.peek(syn::Token![=]) {
                        stream.parse::<syn::Token![=]>()?;
                        stream.parse::<syn::Expr>()?;
                    } else if stream.peek(syn::token::Paren) {
                        let _content;
                        syn::parenthesized!(_content in stream);
                    }
                }
            }
        }
        Ok(args)
    };
    let parsed = syn::parse::Parser::parse2(parser, attr);
    errors.take(parsed)
}
