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
    fn expand(&self, target: &TokenStream, span: Span) -> TokenStream {
        let ns = match &self.namespace {
            Some(ns) => quote!(#ns),
            None => quote!("/"),
        };
        let state = match &self.state {
            Some(ty) => quote!(#ty),
            None => quote!(()),
        };
        let middleware = self
            .middleware
            .iter()
            .map(|m| quote_spanned!(m.span()=> .middleware(#m)));
        let connect = self.connect.iter().map(
            |f| quote_spanned!(f.span()=> let routes = #f::__fastsio_route(routes).describe_connect(#f::__fastsio_contract);),
        );
        let disconnect = self
            .disconnect
            .iter()
            .map(|f| quote_spanned!(f.span()=> let routes = #f::__fastsio_route(routes);));
        let emits = self
            .emits
            .iter()
            .map(|t| quote_spanned!(t.span()=> .emits::<#t>()));
        let events = self
            .events
            .iter()
            .map(|e| quote_spanned!(e.span()=> let routes = #e::__fastsio_route(routes)
                .describe_event(<#e as ::fastsio::handler::EventRoute>::EVENT, #e::__fastsio_contract);));
        let mut pairs = Vec::new();
        for (i, a) in self.events.iter().enumerate() {
            for b in &self.events[i + 1..] {
                let message = format!(
                    "`{}` and `{}` handle the same event in this router: keep one",
                    quote!(#a).to_string().replace(' ', ""),
                    quote!(#b).to_string().replace(' ', "")
                );
                pairs.push(quote_spanned! {b.span()=>
                    assert!(
                        !::fastsio::handler::str_eq(
                            <#a as ::fastsio::handler::EventRoute>::EVENT,
                            <#b as ::fastsio::handler::EventRoute>::EVENT,
                        ),
                        #message,
                    );
                });
            }
        }
        quote_spanned! {span=>
            impl ::fastsio::handler::IntoRoutes<#state> for #target {
                fn into_routes(self) -> ::fastsio::Routes<#state> {
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
