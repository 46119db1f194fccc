//! Routers: `#[derive(Router)]` on a marker struct, and `#[fastsio::router]` on an inline module.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::meta::ParseNestedMeta;
use syn::parse::Parse;
use syn::spanned::Spanned;
use syn::{DeriveInput, Item, ItemMod, LitStr, Path, Type};

use crate::args::Errors;

/// What a router declares.
#[derive(Default)]
struct RouterSpec {
    namespace: Option<LitStr>,
    state: Option<Type>,
    connect: Option<Path>,
    disconnect: Option<Path>,
    events: Vec<Path>,
    emits: Vec<Type>,
    middleware: Vec<syn::Expr>,
    seen: std::collections::HashSet<String>,
}

impl RouterSpec {
    /// Reads one `key = value` or `events(..)` entry.
    fn parse_entry(
        &mut self,
        meta: ParseNestedMeta<'_>,
        module: bool,
        errors: &mut Errors,
    ) -> syn::Result<()> {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        if [
            "namespace",
            "state",
            "connect",
            "disconnect",
            "events",
            "emits",
            "middleware",
        ]
        .contains(&key.as_str())
            && !self.seen.insert(key.clone())
        {
            errors.push(meta.error(format!(
                "`{key}` is given twice: keep one{}",
                if key == "events" {
                    " `events(..)` listing every handler"
                } else {
                    ""
                }
            )));
        }
        match key.as_str() {
            "namespace" => {
                let ns: LitStr = meta.value()?.parse()?;
                if !ns.value().starts_with('/') {
                    errors.push(syn::Error::new(
                        ns.span(),
                        format!("a namespace starts with '/': write \"/{}\"", ns.value()),
                    ));
                }
                self.namespace = Some(ns);
            }
            "state" => self.state = Some(meta.value()?.parse()?),
            "connect" if !module => self.connect = Some(meta.value()?.parse()?),
            "disconnect" if !module => self.disconnect = Some(meta.value()?.parse()?),
            "events" if !module => meta.parse_nested_meta(|event| {
                self.events.push(event.path);
                Ok(())
            })?,
            "middleware" => {
                let content;
                syn::parenthesized!(content in meta.input);
                let list = content.parse_terminated(syn::Expr::parse, syn::Token![,])?;
                self.middleware.extend(list);
            }
            "emits" => {
                let content;
                syn::parenthesized!(content in meta.input);
                let list = content.parse_terminated(Type::parse, syn::Token![,])?;
                self.emits.extend(list);
            }
            _ if module => {
                errors.push(meta.error(
                    "unknown router argument: a router module takes `namespace = \"/..\"`, `state = Type`, `emits(..)` and `middleware(..)`; its handlers are the #[event], #[connect] and #[disconnect] fns inside",
                ));
                skip_value(&meta)?;
            }
            _ => {
                errors.push(meta.error(
                    "unknown router argument: expected `namespace`, `state`, `connect`, `disconnect`, `events(..)`, `emits(..)` or `middleware(..)`",
                ));
                skip_value(&meta)?;
            }
        }
        Ok(())
    }

    /// The `IntoRoutes` impl for `target`, and the duplicate-event assertions.
    ///
    /// Each handler is registered through `registration::Registration` with the router's
    /// state: it registers when it fits that state, fails once here when it passed the checks
    /// where it is written but does not fit this state, and is left out when those checks
    /// failed (they reported the mistake).
    ///
    /// A handler named by a path (`handlers::add_todo`) is imported once (`use path as
    /// alias`) and used through its alias, so a path that names nothing fails once, as an
    /// unresolved import that suggests the names that exist. A handler named alone
    /// (`add_todo`) is used as written, and a module of stand-ins is glob-imported next to the
    /// router: a handler of that name in the router's scope shadows its stand-in, and a name
    /// that exists nowhere resolves to the stand-in, whose registration fails with one error
    /// on the name (rather than rustc's suggestion of the hidden type `#[event]` emits under
    /// each handler's name).
    fn expand(&self, target: &TokenStream, span: Span) -> TokenStream {
        let ns = match &self.namespace {
            Some(ns) => quote!(#ns),
            None => quote!("/"),
        };
        let state = match &self.state {
            Some(ty) => quote!(#ty),
            None => quote!(()),
        };
        let reg = quote!(::fastsio::handler::registration);
        let mut imports = Vec::new();
        let mut stand_ins = Vec::new();
        let mut stood_in = std::collections::HashSet::new();
        let mut name = |kind: Handler, i: usize, path: &Path| -> TokenStream {
            if let Some(ident) = path.get_ident() {
                if stood_in.insert(ident.to_string()) {
                    stand_ins.push(stand_in(kind, ident));
                }
                return quote!(#path);
            }
            let span = path.segments.last().map_or(path.span(), |s| s.ident.span());
            let alias = syn::Ident::new(&format!("__fastsio_{}_{i}", kind.word()), span);
            imports.push(quote_spanned!(path.span()=> use #path as #alias;));
            quote!(#alias)
        };
        let middleware = self
            .middleware
            .iter()
            .map(|m| quote_spanned!(m.span()=> .middleware(#m)));
        let connect: Vec<_> = self
            .connect
            .iter()
            .map(|f| {
                let a = name(Handler::Connect, 0, f);
                quote_spanned! {f.span()=>
                    let routes = (&&&&#reg::Registration::<#reg::kind::Connect, #state, #a>::new())
                        .register(routes)
                        .describe_connect(#a::__fastsio_contract);
                }
            })
            .collect();
        let disconnect: Vec<_> = self
            .disconnect
            .iter()
            .map(|f| {
                let a = name(Handler::Disconnect, 0, f);
                quote_spanned! {f.span()=>
                    let routes = (&&&&#reg::Registration::<#reg::kind::Disconnect, #state, #a>::new())
                        .register(routes);
                }
            })
            .collect();
        let emits = self
            .emits
            .iter()
            .map(|t| quote_spanned!(t.span()=> .emits::<#t>()));
        let names: Vec<_> = self
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| name(Handler::Event, i, e))
            .collect();
        let events = self.events.iter().zip(&names).map(|(e, a)| {
            quote_spanned! {e.span()=>
                let routes = (&&&&#reg::Registration::<#reg::kind::Event, #state, #a>::new())
                    .register(routes)
                    .describe_event(<#a as ::fastsio::handler::EventRoute>::EVENT, #a::__fastsio_contract);
            }
        });
        let mut pairs = Vec::new();
        for (i, (a, name_a)) in self.events.iter().zip(&names).enumerate() {
            for (b, name_b) in self.events[i + 1..].iter().zip(&names[i + 1..]) {
                let message = format!(
                    "`{}` and `{}` handle the same event in this router: keep one",
                    quote!(#a).to_string().replace(' ', ""),
                    quote!(#b).to_string().replace(' ', "")
                );
                pairs.push(quote_spanned! {b.span()=>
                    assert!(
                        !::fastsio::handler::str_eq(
                            <#name_a as ::fastsio::handler::EventRoute>::EVENT,
                            <#name_b as ::fastsio::handler::EventRoute>::EVENT,
                        ),
                        #message,
                    );
                });
            }
        }
        let target_name = target.to_string().replace(' ', "");
        let module = syn::Ident::new(&format!("__fastsio_stand_ins_{target_name}"), span);
        let stand_ins = (!stand_ins.is_empty()).then(|| {
            quote_spanned! {span=>
                #[doc(hidden)]
                #[allow(non_camel_case_types, non_snake_case, dead_code, unreachable_pub)]
                mod #module {
                    #(#stand_ins)*
                }
                #[allow(unused_imports)]
                use #module::*;
            }
        });
        quote_spanned! {span=>
            #stand_ins

            const _: () = {
                #(#imports)*

                impl ::fastsio::handler::IntoRoutes<#state> for #target {
                    #[allow(clippy::needless_borrow)]
                    fn into_routes(self) -> ::fastsio::Routes<#state> {
                        #[allow(unused_imports)]
                        use #reg::{
                            DeclaresAnotherState as _, Fits as _, FitsItsDefinition as _,
                            ReportedAtDefinition as _,
                        };
                        let routes = ::fastsio::Routes::<#state>::new(#ns)
                            #(#middleware)*
                            #(#emits)*;
                        #(#connect)*
                        #(#disconnect)*
                        #(#events)*
                        routes
                    }
                }

                const _: () = {
                    #(#pairs)*
                };
            };
        }
    }
}

/// The handler lists of a router.
#[derive(Clone, Copy)]
enum Handler {
    Event,
    Connect,
    Disconnect,
}

impl Handler {
    fn word(self) -> &'static str {
        match self {
            Handler::Event => "event",
            Handler::Connect => "connect",
            Handler::Disconnect => "disconnect",
        }
    }
}

/// The stand-in for a handler named alone: a unit struct (a type and a value, as a handler's
/// fn and hidden type are) that registers in routes of a state implementing a trait whose
/// message names the missing handler. Only `AnyState` implements it: the stand-in declares
/// no state, so it passes the checks a handler passes where it is written, and a router
/// reports it once, as a handler that does not fit its state.
fn stand_in(kind: Handler, ident: &syn::Ident) -> TokenStream {
    let unknown = syn::Ident::new(&format!("{ident}__fastsio_unknown"), ident.span());
    let message = format!(
        "no #[{}] handler named `{ident}` is in scope here",
        kind.word()
    );
    let label = format!("no #[{}] fn of this name", kind.word());
    let note = "check the name; a handler defined outside the function that holds this router is named by its path (`self::..`, `crate::..`, `super::..`)";
    let contract = match kind {
        Handler::Event => quote! {
            pub fn __fastsio_contract(
                generator: &mut ::fastsio::contract::schemars::SchemaGenerator,
            ) -> ::fastsio::contract::EventDescription {
                ::fastsio::handler::check::unknown_event(generator)
            }
        },
        Handler::Connect => quote! {
            pub fn __fastsio_contract(
                generator: &mut ::fastsio::contract::schemars::SchemaGenerator,
            ) -> ::fastsio::contract::AuthShape {
                ::fastsio::handler::check::unknown_connect(generator)
            }
        },
        Handler::Disconnect => quote!(),
    };
    let event = matches!(kind, Handler::Event).then(|| {
        let name = format!("\0unknown handler {ident}");
        quote! {
            impl ::fastsio::handler::EventRoute for #ident {
                const EVENT: &'static str = #name;
            }
        }
    });
    let reg = quote!(::fastsio::handler::registration);
    let kind_ty = match kind {
        Handler::Event => quote!(Event),
        Handler::Connect => quote!(Connect),
        Handler::Disconnect => quote!(Disconnect),
    };
    let registers = quote_spanned! {ident.span()=>
        impl<S: #unknown> #reg::Registers<#reg::kind::#kind_ty, S, ()> for #ident {
            fn register(routes: ::fastsio::Routes<S>) -> ::fastsio::Routes<S> {
                routes
            }
        }
    };
    quote! {
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        pub trait #unknown {}

        impl #unknown for ::fastsio::handler::check::AnyState {}

        pub struct #ident;

        #event

        #registers

        impl #ident {
            #contract
        }
    }
}

/// Consumes the value of an entry that was refused (`= expr` or `(..)`), so parsing goes on.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(())
}

/// `#[derive(Router)]`.
pub fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let mut spec = RouterSpec::default();
    let mut found = false;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("router")) {
        found = true;
        let mut entry_errors = Errors::default();
        if let Err(e) =
            attr.parse_nested_meta(|meta| spec.parse_entry(meta, false, &mut entry_errors))
        {
            errors.push(e);
        }
        errors.extend(entry_errors);
    }
    if !found {
        errors.push(syn::Error::new(
            input.ident.span(),
            "#[derive(Router)] needs #[router(namespace = \"/..\", events(..))] on the struct",
        ));
    }
    if !input.generics.params.is_empty() {
        errors.push(syn::Error::new(
            input.generics.span(),
            "a router is a plain marker struct: remove the generics",
        ));
    }
    let ident = &input.ident;
    let body = spec.expand(&quote!(#ident), ident.span());
    let errors = errors.into_compile_errors();
    quote!(#errors #body)
}

/// Which handler attribute an item carries, if any.
fn handler_attr(attrs: &[syn::Attribute]) -> Option<&'static str> {
    attrs.iter().find_map(|a| {
        let last = a.path().segments.last()?.ident.to_string();
        match last.as_str() {
            "event" => Some("event"),
            "connect" => Some("connect"),
            "disconnect" => Some("disconnect"),
            _ => None,
        }
    })
}

/// `#[fastsio::router(..)] mod name { .. }`.
pub fn module(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut module: ItemMod = match syn::parse2(item.clone()) {
        Ok(m) => m,
        Err(_) => {
            let e = syn::Error::new(
                item.span(),
                "#[fastsio::router] goes on an inline module (`mod chat { .. }`); on a struct, use #[derive(Router)] with #[router(..)]",
            )
            .to_compile_error();
            return quote!(#e #item);
        }
    };
    let mut errors = Errors::default();
    let mut spec = RouterSpec::default();
    let mut entry_errors = Errors::default();
    let parser = syn::meta::parser(|meta| spec.parse_entry(meta, true, &mut entry_errors));
    if let Err(e) = syn::parse::Parser::parse2(parser, attr) {
        errors.push(e);
    }
    errors.extend(entry_errors);
    let Some((_, items)) = &mut module.content else {
        let e = syn::Error::new(
            module.span(),
            "#[fastsio::router] needs the module's items inline: `mod chat { .. }`, not `mod chat;`",
        )
        .to_compile_error();
        return quote!(#e #module);
    };
    for item in items.iter() {
        let Item::Fn(f) = item else { continue };
        let ident = &f.sig.ident;
        let path: Path = syn::parse_quote!(#ident);
        match handler_attr(&f.attrs) {
            Some("event") => spec.events.push(path),
            Some("connect") if spec.connect.is_some() => errors.push(syn::Error::new(
                ident.span(),
                "a router has one #[connect] handler: merge the two",
            )),
            Some("connect") => spec.connect = Some(path),
            Some("disconnect") if spec.disconnect.is_some() => errors.push(syn::Error::new(
                ident.span(),
                "a router has one #[disconnect] handler: merge the two",
            )),
            Some("disconnect") => spec.disconnect = Some(path),
            _ => {}
        }
    }
    let span = module.ident.span();
    let body = spec.expand(&quote!(Router), span);
    let doc = format!(
        "The routes of this module, for `Server::builder().router({}::Router)`.",
        module.ident
    );
    items.push(syn::parse_quote! {
        #[doc = #doc]
        pub struct Router;
    });
    items.push(Item::Verbatim(body));
    let errors = errors.into_compile_errors();
    quote!(#errors #module)
}
