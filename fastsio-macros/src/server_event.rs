//! `#[derive(ServerEvent)]` with `#[server_event("name", ack = Type)]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{DeriveInput, LitStr, Type};

use crate::args::Errors;
use crate::names;

/// `#[derive(ServerEvent)]`, implementing the trait at `trait_path` (the facade's or the
/// client's re-export of `fastsio_protocol::ServerEvent`).
pub fn derive(input: TokenStream, trait_path: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let mut name: Option<LitStr> = None;
    let mut ack: Option<Type> = None;
    let mut found = 0;
    let mut checks = Errors::default();
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("server_event"))
    {
        found += 1;
        if found == 2 {
            errors.push(syn::Error::new(
                attr.span(),
                "#[server_event] is given twice: keep one",
            ));
        }
        let parsed = attr.parse_args_with(|stream: syn::parse::ParseStream<'_>| {
            let lit: LitStr = stream.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "#[server_event] starts with the event name: #[server_event(\"joined\")]",
                )
            })?;
            checks.take(names::check(&lit.value(), lit.span()));
            name = Some(lit);
            while !stream.is_empty() {
                stream.parse::<syn::Token![,]>()?;
                if stream.is_empty() {
                    break;
                }
                let key: syn::Ident = stream.parse()?;
                stream.parse::<syn::Token![=]>()?;
                let ty: Type = stream.parse()?;
                if key == "ack" {
                    ack = Some(ty);
                } else {
                    checks.push(syn::Error::new(
                        key.span(),
                        "unknown #[server_event] argument: only `ack = Type` may follow the name",
                    ));
                }
            }
            Ok(())
        });
        errors.take(parsed);
    }
    errors.extend(checks);
    let ident = &input.ident;
    if found == 0 {
        errors.push(syn::Error::new(
            ident.span(),
            format!("#[derive(ServerEvent)] needs the wire name: add #[server_event(\"{ident}\")]"),
        ));
    }
    let Some(name) = name else {
        return errors.into_compile_errors();
    };
    let ack = ack.map_or_else(|| quote!(()), |t| quote!(#t));
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let errors = errors.into_compile_errors();
    quote! {
        #errors
        impl #impl_generics #trait_path for #ident #ty_generics #where_clause {
            const NAME: &'static str = #name;
            type Ack = #ack;
        }
    }
}
