//! `#[event]`, `#[connect]`, `#[disconnect]`: checks at the user's tokens, then the item as
//! written (plus, for events, the proxy type that carries the name).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, LitStr, ReturnType, Type};

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

/// The typed arguments of a handler, `self` and references refused (with one error each).
/// `None` when some were refused: the handler cannot be registered then.
fn typed_args<'a>(kind: Kind, func: &'a ItemFn, errors: &mut Errors) -> Option<Vec<&'a Type>> {
    let mut types = Vec::new();
    let mut refused = false;
    for input in &func.sig.inputs {
        refused |= !matches!(input, FnArg::Typed(t) if !matches!(*t.ty, Type::Reference(_)));
        match input {
            FnArg::Receiver(r) => errors.push(syn::Error::new(
                r.span(),
                format!("{} handlers are free functions: remove `self`", kind.attr()),
            )),
            FnArg::Typed(t) => match &*t.ty {
                Type::Reference(r) => errors.push(syn::Error::new(
                    r.span(),
                    format!(
                        "{} handler arguments are taken by value: write `{}` without `&` (extractors are owned; `SocketRef` and `Io` are cheap handles)",
                        kind.attr(),
                        r.elem.to_token_stream().to_string().replace(' ', "")
                    ),
                )),
                ty => types.push(ty),
            },
        }
    }
    (!refused).then_some(types)
}

/// The assertions of each argument and of the return type, against the extractor traits of
/// this handler kind, each spanned at the user's token: they fail where the handler is
/// written, whether or not a router registers it. `state` is the declared app state, or
/// `AnyState` (from which every part is reachable: what depends on the real state is checked
/// by the router).
fn definition_checks(
    kind: Kind,
    func: &ItemFn,
    types: &[&Type],
    state: &TokenStream,
) -> TokenStream {
    let check = quote!(::fastsio::handler::check);
    let args = types.iter().enumerate().map(|(i, ty)| {
        let last = i + 1 == types.len();
        match (kind, last) {
            (Kind::Event, false) => {
                quote_spanned!(ty.span()=> #check::event_arg::<#state, _, #ty>();)
            }
            (Kind::Event, true) => quote_spanned! {ty.span()=> {
                #[allow(unused_imports)]
                use #check::{LastParts as _, LastPayload as _, LastTakesPayload as _};
                (&&#check::Last::<#state, #ty>::new()).last();
            }},
            (Kind::Connect, _) => quote_spanned!(ty.span()=> #check::connect_arg::<#state, #ty>();),
            (Kind::Disconnect, _) => {
                quote_spanned!(ty.span()=> #check::disconnect_arg::<#state, #ty>();)
            }
        }
    });
    let (ret, span) = match &func.sig.output {
        ReturnType::Default => (quote!(()), func.sig.ident.span()),
        ReturnType::Type(_, ty) => (quote!(#ty), ty.span()),
    };
    let ret = match kind {
        Kind::Event => quote_spanned!(span=> #check::event_return::<#ret>();),
        Kind::Connect => quote_spanned!(span=> #check::connect_return::<#ret>();),
        Kind::Disconnect => quote_spanned!(span=> #check::disconnect_return::<#ret>();),
    };
    quote! {
        const _: () = {
            #[allow(dead_code, clippy::needless_borrow)]
            fn __fastsio_definition_check() {
                #(#args)*
                #ret
            }
        };
    }
}

/// Expands one handler attribute.
pub fn expand(kind: Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let message = match (kind, syn::parse2::<syn::DeriveInput>(item.clone())) {
                (Kind::Event, Ok(_)) => "#[event] declares a handler for an event clients send, on an `async fn`; an event the server sends is a type with `#[derive(Serialize, ServerEvent)]` and `#[server_event(\"name\")]`".to_string(),
                _ => format!("{} goes on an `async fn`", kind.attr()),
            };
            let errors = syn::Error::new(item.span(), message).to_compile_error();
            return quote!(#errors #item);
        }
    };
    let mut errors = Errors::default();
    let args = match kind {
        Kind::Event => parse_event_args(attr, &func, &mut errors),
        Kind::Connect | Kind::Disconnect => parse_state_arg(kind, attr, &mut errors),
    };
    if func.sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            func.sig.fn_token.span(),
            format!("{} handlers must be `async fn`: add `async`", kind.attr()),
        ));
    }
    let typed = typed_args(kind, &func, &mut errors);
    let types = typed.clone().unwrap_or_default();
    let state = match args.as_ref().and_then(|a| a.state.as_ref()) {
        Some(ty) => quote!(#ty),
        None => quote!(::fastsio::handler::check::AnyState),
    };
    let checks = definition_checks(kind, &func, &types, &state);
    let registrable = typed.as_deref().filter(|_| func.sig.asyncness.is_some());
    let declared_state = args.as_ref().and_then(|a| a.state.clone());
    let proxy = args.filter(|_| kind == Kind::Event).and_then(
        |EventArgs {
             name,
             state,
             middleware,
         }| {
            let name = name?;
            let vis = &func.vis;
            let ident = &func.sig.ident;
            let doc = format!(
                "The `{}` event: the name [`{ident}`](fn@{ident}) handles.",
                name.value()
            );
            let registration = registration(kind, &func, registrable, state.as_ref(), &middleware);
            let contract = crate::contract::event(&func);
            Some(quote! {
                #[doc = #doc]
                #[allow(non_camel_case_types)]
                #vis struct #ident {}

                impl ::fastsio::handler::EventRoute for #ident {
                    const EVENT: &'static str = #name;
                }

                #contract

                #registration
            })
        },
    );
    let errors = errors.into_compile_errors();
    let connect = (kind == Kind::Connect).then(|| crate::contract::connect(&func));
    let lifecycle = (kind != Kind::Event)
        .then(|| registration(kind, &func, registrable, declared_state.as_ref(), &[]));
    quote! {
        #errors
        #func
        #checks
        #proxy
        #connect
        #lifecycle
    }
}

/// How routers register the handler (see `fastsio::handler::registration`): the `Registers`
/// impl on the type named after it (an event's proxy type, a connect handler's contract type,
/// a disconnect handler's own type, made here), its kind (`OfKind`) and the state it declares,
/// against which its definition was checked instead of `AnyState` (`Declares`).
///
/// The impl is for every state the handler's arguments can be extracted from: its bounds,
/// each spanned at its argument, are what a router checks with its own state. A handler that
/// declares its state also bounds the state to be that one (`DeclaredState`), and its
/// middleware is written for that state. The body registers the handler only when its return
/// type is what its kind returns (`check::Returns`), and no handler at all when it is not
/// async or has a refused argument (`types` is `None`): those mistakes were reported where
/// the handler is written.
fn registration(
    kind: Kind,
    func: &ItemFn,
    types: Option<&[&Type]>,
    state: Option<&Type>,
    middleware: &[syn::Expr],
) -> TokenStream {
    let vis = &func.vis;
    let ident = &func.sig.ident;
    let reg = quote!(::fastsio::handler::registration);
    let check = quote!(::fastsio::handler::check);
    let (kind_ty, register, method, event) = match kind {
        Kind::Event => (
            quote!(Event),
            quote!(Register),
            quote!(on),
            quote!(<Self as ::fastsio::handler::EventRoute>::EVENT,),
        ),
        Kind::Connect => (
            quote!(Connect),
            quote!(RegisterConnect),
            quote!(on_connect),
            quote!(),
        ),
        Kind::Disconnect => (
            quote!(Disconnect),
            quote!(RegisterDisconnect),
            quote!(on_disconnect),
            quote!(),
        ),
    };
    let own_type = (kind == Kind::Disconnect).then(|| {
        let doc = format!("Registers [`{ident}`](fn@{ident}) in routers.");
        quote! {
            #[doc = #doc]
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code)]
            #vis struct #ident {}
        }
    });
    let declares =
        state.map(|state| quote!(impl #reg::Declares<#reg::kind::#kind_ty, #state> for #ident {}));
    let declared =
        state.map(|state| quote_spanned!(state.span()=> __S: #reg::DeclaredState<#state>,));
    let payload = kind == Kind::Event && types.is_some_and(|t| !t.is_empty());
    let (generics, marker) = if payload {
        (
            quote!(<__S: ::core::marker::Send + ::core::marker::Sync + 'static, __M: 'static>),
            quote!(__M),
        )
    } else {
        (
            quote!(<__S: ::core::marker::Send + ::core::marker::Sync + 'static>),
            quote!(()),
        )
    };
    let arity = types.map_or(0, <[_]>::len);
    let bounds = types
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, ty)| match kind {
            Kind::Event if i + 1 == arity => {
                quote_spanned!(ty.span()=> #ty: ::fastsio::extract::FromEvent<__S, __M>,)
            }
            Kind::Event => {
                quote_spanned!(ty.span()=> #ty: ::fastsio::extract::FromEventParts<__S>,)
            }
            Kind::Connect => {
                quote_spanned!(ty.span()=> #ty: ::fastsio::extract::FromConnectParts<__S>,)
            }
            Kind::Disconnect => {
                quote_spanned!(ty.span()=> #ty: ::fastsio::extract::FromDisconnectParts<__S>,)
            }
        });
    let body = types.map(|_| {
        let ret = match &func.sig.output {
            ReturnType::Default => quote!(()),
            ReturnType::Type(_, ty) => quote!(#ty),
        };
        let layers = middleware.iter().map(|m| {
            quote_spanned!(m.span()=> .event_middleware(<Self as ::fastsio::handler::EventRoute>::EVENT, #m))
        });
        let layered = match (state, middleware.is_empty()) {
            (_, true) => quote!(routes),
            (None, false) => quote!(routes #(#layers)*),
            (Some(state), false) => quote! {
                let routes = <__S as #reg::DeclaredState<#state>>::to_declared(routes) #(#layers)*;
                <__S as #reg::DeclaredState<#state>>::from_declared(routes)
            },
        };
        quote! {
            #[allow(unused_imports)]
            use #check::{#register as _, Unregistered as _};
            let routes = (&#check::Returns::<#ret>::new()).#method(routes, #event #ident);
            #layered
        }
    });
    let body = body.unwrap_or_else(|| quote!(routes));
    let header = quote_spanned! {ident.span()=>
        impl #generics #reg::Registers<#reg::kind::#kind_ty, __S, #marker> for #ident
    };
    quote! {
        #own_type

        #header
        where
            #declared
            #(#bounds)*
        {
            fn register(routes: ::fastsio::Routes<__S>) -> ::fastsio::Routes<__S> {
                #body
            }
        }

        impl #reg::OfKind<#reg::kind::#kind_ty> for #ident {}

        #declares
    }
}

/// `state = Type`, the only argument `#[connect]` and `#[disconnect]` take.
fn parse_state_arg(kind: Kind, attr: TokenStream, errors: &mut Errors) -> Option<EventArgs> {
    if attr.is_empty() {
        return None;
    }
    let parser = |stream: syn::parse::ParseStream<'_>| {
        let key: syn::Ident = stream.parse()?;
        if key != "state" {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "{} takes only `state = Type` (the app state its extractors read), or nothing",
                    kind.attr()
                ),
            ));
        }
        stream.parse::<syn::Token![=]>()?;
        let state: Type = stream.parse()?;
        Ok(EventArgs {
            name: None,
            state: Some(state),
            middleware: Vec::new(),
        })
    };
    errors.take(syn::parse::Parser::parse2(parser, attr))
}

/// `#[event("name", state = Type, middleware(a, b))]` (`#[connect(state = Type)]`: no name).
struct EventArgs {
    name: Option<LitStr>,
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
            name: Some(name),
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
