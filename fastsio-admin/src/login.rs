//! [`Login`]: checks what an admin sends in the CONNECT auth, as the admin UI sends it:
//! `{username, password}` from its login form, or `{sessionId}` when it reconnects.

use std::str::FromStr;
use std::sync::Arc;

use fastsio_core::ConnectError;
use serde::Deserialize;
use tokio::sync::Semaphore;

use crate::admin_logins::AdminLogins;
use crate::error::AdminError;
use crate::options::AdminAuth;

/// The message node's admin instrumentation refuses with, which the UI recognises.
const INVALID: &str = "invalid credentials";

/// The CONNECT auth of the admin UI; anything else in it is ignored.
#[derive(Deserialize, Default)]
struct Credentials {
    username: Option<String>,
    password: Option<String>,
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
}

/// The configured login and the logins it handed out.
pub(crate) struct Login {
    auth: AdminAuth,
    logins: AdminLogins,
    checks: Arc<Semaphore>,
}

impl Login {
    /// Refuses a password that is not a bcrypt hash.
    pub fn new(
        auth: AdminAuth,
        max_sessions: usize,
        max_checks: usize,
    ) -> Result<Self, AdminError> {
        match &auth {
            AdminAuth::Basic { password_hash, .. } => {
                bcrypt::HashParts::from_str(password_hash)
                    .map_err(|_| AdminError::InvalidPasswordHash)?;
            }
            AdminAuth::None => {
                tracing::warn!("admin UI authentication is disabled: anyone may administer");
            }
        }
        Ok(Login {
            auth,
            logins: AdminLogins::new(max_sessions),
            checks: Arc::new(Semaphore::new(max_checks)),
        })
    }

    /// Accepts or refuses the raw CONNECT auth; `Ok(Some(id))` is a new session id to hand
    /// the admin (after a password login).
    pub async fn check(&self, raw_auth: &str) -> Result<Option<String>, ConnectError> {
        let AdminAuth::Basic {
            username,
            password_hash,
        } = &self.auth
        else {
            return Ok(None);
        };
        let given: Credentials = serde_json::from_str(raw_auth).unwrap_or_default();
        if let Some(id) = &given.session_id
            && self.logins.contains(id)
        {
            return Ok(None);
        }
        let (Some(name), Some(password)) = (given.username, given.password) else {
            return Err(ConnectError::new(INVALID));
        };
        if name != *username {
            return Err(ConnectError::new(INVALID));
        }
        let _permit = self
            .checks
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ConnectError::new(INVALID))?;
        let hash = password_hash.clone();
        let matches = tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or(false);
        if !matches {
            return Err(ConnectError::new(INVALID));
        }
        Ok(Some(self.logins.open()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// bcrypt of "s3cret", cost 4.
    const HASH: &str = "$2b$04$QLmtnzCxA8lqbK3HYVmwIuokZ05rKeoHFdRe1idDyhAXYmBFL1Tl.";

    fn basic() -> Login {
        let auth = AdminAuth::Basic {
            username: "admin".into(),
            password_hash: HASH.into(),
        };
        Login::new(auth, 10, 1).unwrap()
    }

    #[tokio::test]
    async fn password_then_session() {
        let login = basic();
        let refused = |r: Result<Option<String>, ConnectError>| r.unwrap_err().message;
        assert_eq!(refused(login.check("{}").await), INVALID);
        let wrong = r#"{"username":"admin","password":"nope"}"#;
        assert_eq!(refused(login.check(wrong).await), INVALID);
        let other = r#"{"username":"root","password":"s3cret"}"#;
        assert_eq!(refused(login.check(other).await), INVALID);
        let right = r#"{"username":"admin","password":"s3cret"}"#;
        let session = login.check(right).await.unwrap().expect("a session id");
        let again = format!(r#"{{"sessionId":"{session}"}}"#);
        assert_eq!(login.check(&again).await.unwrap(), None);
        assert_eq!(
            refused(login.check(r#"{"sessionId":"made-up"}"#).await),
            INVALID
        );
    }

    #[test]
    fn refuses_a_plain_password_as_hash() {
        let auth = AdminAuth::Basic {
            username: "admin".into(),
            password_hash: "s3cret".into(),
        };
        assert_eq!(
            Login::new(auth, 10, 1).err(),
            Some(AdminError::InvalidPasswordHash)
        );
    }

    #[tokio::test]
    async fn no_auth_accepts_anyone() {
        let login = Login::new(AdminAuth::None, 10, 1).unwrap();
        assert_eq!(login.check("{}").await.unwrap(), None);
    }
}
