//! A user crate that depends on `fastsio` alone: its payload types derive `Deserialize` and
//! `Validate` through `fastsio::serde` and `fastsio::validator`, and `Valid<T>` accepts them.

#![forbid(unsafe_code)]

use fastsio::prelude::*;

/// A payload, derived through the re-exports only.
#[derive(Debug, fastsio::serde::Deserialize, fastsio::validator::Validate)]
#[serde(crate = "fastsio::serde")]
#[validate(crate = "fastsio::validator")]
pub struct Join {
    /// The room to join.
    #[validate(length(min = 1, max = 8))]
    pub room: String,
}

/// A reply, serialised through the re-export.
#[derive(fastsio::serde::Serialize)]
#[serde(crate = "fastsio::serde")]
pub struct Joined {
    /// The room joined.
    pub room: String,
}

async fn join(Valid(join): Valid<Join>) -> Ack<Joined> {
    Ack(Joined { room: join.room })
}

/// The routes of this "app": a handler whose payload is validated.
pub fn routes() -> Routes {
    Routes::new("/").on("join", join)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fastsio::validator::Validate;

    #[test]
    fn derives_through_the_reexports_deserialize_and_validate() {
        let ok: Join = fastsio::serde_json::from_str(r#"{"room":"lobby"}"#).unwrap();
        assert!(ok.validate().is_ok());
        let long: Join = fastsio::serde_json::from_str(r#"{"room":"far too long"}"#).unwrap();
        let errors = long.validate().unwrap_err();
        assert!(errors.field_errors().contains_key("room"), "{errors:?}");
        let text = fastsio::serde_json::to_string(&Joined { room: ok.room }).unwrap();
        assert_eq!(text, r#"{"room":"lobby"}"#);
    }

    #[test]
    fn valid_accepts_the_derived_type() {
        Server::builder().routes(routes()).build().unwrap();
    }
}
