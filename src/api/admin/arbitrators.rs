//! Who may use the admin socket: the `[arbitrators]` of notar.toml, each bound to a Unix uid when
//! the service starts (or to the uid its entry pins). A caller is the arbitrator only when the
//! socket's peer uid has that user name now *and* is the bound uid: a user renamed since, or a
//! new user given a removed arbitrator's name, is refused.

use std::collections::BTreeMap;

use crate::notary::config::Arbitrator;

/// The arbitrators, bound to uids.
#[derive(Clone, Debug, Default)]
pub struct Arbitrators {
    by_user: BTreeMap<String, (Option<u32>, String)>,
}

impl Arbitrators {
    /// Binds each entry to its pinned uid, else to the uid `uid_of` gives its user name now.
    /// An entry with neither can be used by no one until the service restarts.
    pub fn bind(
        config: &BTreeMap<String, Arbitrator>,
        uid_of: impl Fn(&str) -> Option<u32>,
    ) -> Self {
        let by_user = config
            .iter()
            .map(|(user, entry)| {
                let uid = entry.uid().or_else(|| uid_of(user));
                if uid.is_none() {
                    tracing::warn!(
                        "[arbitrators] {user}: no such Unix user; it cannot use the admin socket \
                         until it exists and the service restarts (or set uid = N)"
                    );
                }
                (user.clone(), (uid, entry.name().to_string()))
            })
            .collect();
        Arbitrators { by_user }
    }

    /// Binds to the users of this machine's user database.
    pub fn bind_system(config: &BTreeMap<String, Arbitrator>) -> Self {
        Self::bind(config, |name| {
            nix::unistd::User::from_name(name)
                .ok()
                .flatten()
                .map(|u| u.uid.as_raw())
        })
    }

    /// The (Unix user, arbitrator name) behind peer uid `uid` whose user name is `user` now, or
    /// why that caller is refused.
    pub fn check(&self, uid: u32, user: Option<String>) -> Result<(String, String), String> {
        let user = user.ok_or_else(|| format!("Unix user id {uid} has no name"))?;
        let Some((bound, name)) = self.by_user.get(&user) else {
            return Err(format!(
                "Unix user '{user}' is not an arbitrator of this notary; \
                 a notary administrator must add it under [arbitrators] in notar.toml"
            ));
        };
        match bound {
            Some(b) if *b == uid => Ok((user, name.clone())),
            Some(b) => Err(format!(
                "Unix user '{user}' has uid {uid}, but [arbitrators] {user} is bound to uid {b} \
                 (pinned in notar.toml, or the uid '{user}' had when the service started): \
                 a renamed or re-created user is not the configured arbitrator"
            )),
            None => Err(format!(
                "[arbitrators] {user} named no Unix user when the service started; \
                 restart the service (or pin uid = {uid} in notar.toml)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> BTreeMap<String, Arbitrator> {
        BTreeMap::from([
            ("alice".to_string(), Arbitrator::Named("Alice".into())),
            (
                "bob".to_string(),
                Arbitrator::Pinned {
                    name: "Bob".into(),
                    uid: 2000,
                },
            ),
            ("ghost".to_string(), Arbitrator::Named("Ghost".into())),
        ])
    }

    fn bound() -> Arbitrators {
        Arbitrators::bind(&config(), |user| match user {
            "alice" => Some(1000),
            "bob" => Some(1001),
            _ => None,
        })
    }

    #[test]
    fn name_and_uid_must_both_match() {
        let a = bound();
        assert_eq!(
            a.check(1000, Some("alice".into())),
            Ok(("alice".into(), "Alice".into()))
        );
        let err = a
            .check(1500, Some("alice".into()))
            .expect_err("re-created alice");
        assert!(err.contains("bound to uid 1000"), "{err}");
        let err = a
            .check(1000, Some("alice2".into()))
            .expect_err("renamed alice");
        assert!(err.contains("not an arbitrator"), "{err}");
        assert!(a.check(1000, None).is_err());
    }

    #[test]
    fn a_pinned_uid_wins_over_the_user_database() {
        let a = bound();
        assert!(
            a.check(1001, Some("bob".into())).is_err(),
            "bob is 1001 now"
        );
        assert_eq!(
            a.check(2000, Some("bob".into())),
            Ok(("bob".into(), "Bob".into()))
        );
        let err = a
            .check(3000, Some("ghost".into()))
            .expect_err("no user at start");
        assert!(err.contains("restart"), "{err}");
    }
}
