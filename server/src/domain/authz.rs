//! Who may change what. One decision function that every mutation goes through: admins may do
//! everything; members may write what is owned by a team they belong to; viewers only read.
//! A token never grants more than its owner has, and a read token never writes.

use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Viewer,
    Member,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "member" => Some(Role::Member),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Read,
    Write,
}

/// The caller of a request, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: i64,
    pub handle: String,
    pub role: Role,
    /// The catalog person linked to the account, if any.
    pub person: Option<String>,
    /// Slugs of the teams the account's person belongs to.
    pub teams: BTreeSet<String>,
    /// Set when the request carries an API token rather than a session.
    pub token: Option<(i64, Scope)>,
}

/// A mutation, with the ownership facts the decision needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action<'a> {
    /// Create, replace or delete a service owned by `owners`. A change that moves a service
    /// is checked twice, with the owners before and with the owners after.
    WriteService { owners: &'a [String] },
    /// Save or review the runbook of a service owned by `owners`.
    WriteRunbook { owners: &'a [String] },
    /// Create a team (`parent` is where it goes) — members may create sub-teams of their teams.
    CreateTeam { parent: Option<&'a str> },
    /// Replace or delete a team.
    WriteTeam { slug: &'a str },
    /// Replace a person; people may edit their own record. (Adding and removing people is
    /// `Administer`.)
    WritePerson { handle: &'a str },
    /// Create or revoke one's own calendar feed. A feed shows only what its account may read
    /// anyway, so every signed-in account may (viewers included); whose feed it is, is the
    /// store's business (someone else's is not found, except by admins).
    CalendarFeed,
    /// Create, change or delete a team's on-call schedules, overrides and escalation
    /// policies.
    WriteOnCall { team: &'a str },
    /// Offer (or withdraw the offer of) part of `person`'s own on-call shift to teammates.
    OfferShift { person: &'a str },
    /// Grant or revoke an exemption from a rule for a service owned by `owners`; `led` are
    /// the owning teams the caller leads (only their leads, and admins, may waive a rule).
    Exempt {
        owners: &'a [String],
        led: &'a [String],
    },
    /// Declare an incident: anyone signed in may (viewers too; a read-only token may not).
    DeclareIncident,
    /// Change an incident, or add to its timeline: members of the teams owning an affected
    /// service, and the people in it (`people`: its commander and investigators), whatever
    /// their role.
    WriteIncident {
        owners: &'a [String],
        people: &'a [String],
    },
    /// Record or change a fix of a service owned by `owners` (with the teams owning it);
    /// `people` (the person who owns the fix, the incident's commander) may too.
    WriteFix {
        owners: &'a [String],
        people: &'a [String],
    },
    /// Catalog-wide writes (import), account management, rule settings and jobs.
    Administer,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// Not signed in: 401.
    Unauthenticated,
    /// Signed in but not allowed: 403, with the reason shown to the person.
    Forbidden(String),
}

pub fn authorize(principal: Option<&Principal>, action: &Action<'_>) -> Result<(), Denied> {
    let p = principal.ok_or(Denied::Unauthenticated)?;
    if let Some((_, Scope::Read)) = p.token {
        return Err(Denied::Forbidden("this API token may only read".into()));
    }
    match action {
        Action::CalendarFeed | Action::DeclareIncident => return Ok(()),
        Action::WriteIncident { people, .. } | Action::WriteFix { people, .. }
            if p.person.as_ref().is_some_and(|me| people.contains(me)) =>
        {
            return Ok(())
        }
        _ => {}
    }
    match p.role {
        Role::Admin => return Ok(()),
        Role::Viewer => return Err(Denied::Forbidden("viewers may not change anything".into())),
        Role::Member => {}
    }
    let member_of = |team: &str| p.teams.contains(team);
    match action {
        Action::CalendarFeed | Action::DeclareIncident => Ok(()),
        Action::WriteService { owners } => {
            if owners.iter().any(|o| member_of(o)) {
                Ok(())
            } else {
                Err(Denied::Forbidden(format!(
                    "only members of {} (or an admin) may change this service",
                    owners.join(", ")
                )))
            }
        }
        Action::WriteRunbook { owners } if owners.iter().any(|o| member_of(o)) => Ok(()),
        Action::WriteRunbook { owners } => Err(Denied::Forbidden(format!(
            "only members of {} (or an admin) may change this service's runbook",
            owners.join(", ")
        ))),
        Action::CreateTeam { parent: Some(parent) } if member_of(parent) => Ok(()),
        Action::CreateTeam { .. } => Err(Denied::Forbidden(
            "members may create sub-teams of their own teams; ask an admin for a new top-level team".into(),
        )),
        Action::WriteTeam { slug } if member_of(slug) => Ok(()),
        Action::WriteTeam { slug } => Err(Denied::Forbidden(format!(
            "only members of {slug} (or an admin) may change this team"
        ))),
        Action::WritePerson { handle } if p.person.as_deref() == Some(*handle) => Ok(()),
        Action::WritePerson { handle, .. } => Err(Denied::Forbidden(format!(
            "only {handle} or an admin may change this person"
        ))),
        Action::WriteOnCall { team } if member_of(team) => Ok(()),
        Action::WriteOnCall { team } => Err(Denied::Forbidden(format!(
            "only members of {team} (or an admin) may change its on-call"
        ))),
        Action::OfferShift { person } if p.person.as_deref() == Some(*person) => Ok(()),
        Action::OfferShift { person } => Err(Denied::Forbidden(format!(
            "only {person} (or an admin) may offer their shift"
        ))),
        Action::Exempt { led, .. } if !led.is_empty() => Ok(()),
        Action::Exempt { owners, .. } => Err(Denied::Forbidden(format!(
            "only a lead of {} (or an admin) may grant or revoke an exemption",
            owners.join(", ")
        ))),
        Action::WriteIncident { owners, .. } if owners.iter().any(|o| member_of(o)) => Ok(()),
        Action::WriteIncident { owners, .. } => Err(Denied::Forbidden(format!(
            "only the incident's commander and investigators, members of {} and admins may \
             change this incident",
            if owners.is_empty() {
                "the owning teams".to_string()
            } else {
                owners.join(", ")
            }
        ))),
        Action::WriteFix { owners, .. } if owners.iter().any(|o| member_of(o)) => Ok(()),
        Action::WriteFix { owners, .. } => Err(Denied::Forbidden(format!(
            "only members of {} (or an admin) may record this service's fixes",
            owners.join(", ")
        ))),
        Action::Administer => Err(Denied::Forbidden("only admins may do this".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role, teams: &[&str], token: Option<Scope>) -> Principal {
        Principal {
            account_id: 1,
            handle: "ada".into(),
            person: Some("ada".into()),
            role,
            teams: teams.iter().map(|t| t.to_string()).collect(),
            token: token.map(|s| (7, s)),
        }
    }

    fn owners(o: &[&str]) -> Vec<String> {
        o.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn anonymous_is_unauthenticated() {
        let o = owners(&["payments"]);
        assert_eq!(
            authorize(None, &Action::WriteService { owners: &o }),
            Err(Denied::Unauthenticated)
        );
    }

    #[test]
    fn members_write_what_their_teams_own() {
        let o = owners(&["payments", "platform"]);
        let action = Action::WriteService { owners: &o };
        assert!(authorize(Some(&principal(Role::Member, &["platform"], None)), &action).is_ok());
        assert!(matches!(
            authorize(Some(&principal(Role::Member, &["search"], None)), &action),
            Err(Denied::Forbidden(_))
        ));
        assert!(authorize(Some(&principal(Role::Admin, &[], None)), &action).is_ok());
        assert!(authorize(Some(&principal(Role::Viewer, &["payments"], None)), &action).is_err());
    }

    #[test]
    fn runbooks_are_written_by_the_owning_teams() {
        let o = owners(&["payments"]);
        let action = Action::WriteRunbook { owners: &o };
        assert!(authorize(Some(&principal(Role::Member, &["payments"], None)), &action).is_ok());
        assert!(authorize(Some(&principal(Role::Member, &["search"], None)), &action).is_err());
        assert!(authorize(Some(&principal(Role::Viewer, &["payments"], None)), &action).is_err());
        assert!(authorize(Some(&principal(Role::Admin, &[], None)), &action).is_ok());
        let read = principal(Role::Member, &["payments"], Some(Scope::Read));
        assert!(authorize(Some(&read), &action).is_err());
    }

    #[test]
    fn anyone_signed_in_declares_and_the_people_in_it_write_an_incident() {
        let viewer = principal(Role::Viewer, &[], None);
        assert!(authorize(Some(&viewer), &Action::DeclareIncident).is_ok());
        assert_eq!(
            authorize(None, &Action::DeclareIncident),
            Err(Denied::Unauthenticated)
        );
        let read = principal(Role::Member, &[], Some(Scope::Read));
        assert!(authorize(Some(&read), &Action::DeclareIncident).is_err());
        let (o, me, others) = (owners(&["payments"]), owners(&["ada"]), owners(&["grace"]));
        let commanded = Action::WriteIncident {
            owners: &o,
            people: &me,
        };
        let not_mine = Action::WriteIncident {
            owners: &o,
            people: &others,
        };
        // The commander may, even as a viewer; a member of the owning team may.
        assert!(authorize(Some(&viewer), &commanded).is_ok());
        assert!(authorize(Some(&viewer), &not_mine).is_err());
        let member = principal(Role::Member, &["payments"], None);
        assert!(authorize(Some(&member), &not_mine).is_ok());
        let outsider = principal(Role::Member, &["search"], None);
        let e = authorize(Some(&outsider), &not_mine).expect_err("outsider");
        assert!(format!("{e:?}").contains("members of payments"), "{e:?}");
        assert!(authorize(Some(&read), &commanded).is_err());
    }

    #[test]
    fn tokens_never_grant_more_than_their_owner() {
        let o = owners(&["payments"]);
        let action = Action::WriteService { owners: &o };
        let read = principal(Role::Admin, &["payments"], Some(Scope::Read));
        assert!(authorize(Some(&read), &action).is_err());
        let write = principal(Role::Member, &["search"], Some(Scope::Write));
        assert!(authorize(Some(&write), &action).is_err());
        let write = principal(Role::Member, &["payments"], Some(Scope::Write));
        assert!(authorize(Some(&write), &action).is_ok());
    }

    #[test]
    fn teams_people_and_administration() {
        let member = principal(Role::Member, &["platform"], None);
        let ok = |a: Action<'_>| authorize(Some(&member), &a).is_ok();
        assert!(ok(Action::CreateTeam {
            parent: Some("platform")
        }));
        assert!(!ok(Action::CreateTeam { parent: None }));
        assert!(ok(Action::WriteTeam { slug: "platform" }));
        assert!(!ok(Action::WriteTeam { slug: "payments" }));
        assert!(ok(Action::WritePerson { handle: "ada" }));
        assert!(!ok(Action::WritePerson { handle: "bob" }));
        assert!(!ok(Action::Administer));
        assert_eq!(Role::parse("member"), Some(Role::Member));
        assert_eq!(Role::parse(Role::Admin.as_str()), Some(Role::Admin));
    }

    #[test]
    fn exemptions_are_for_leads_of_an_owning_team_and_admins() {
        let o = owners(&["payments"]);
        let led = owners(&["payments"]);
        let member = principal(Role::Member, &["payments"], None);
        assert!(authorize(
            Some(&member),
            &Action::Exempt {
                owners: &o,
                led: &led
            }
        )
        .is_ok());
        assert!(authorize(
            Some(&member),
            &Action::Exempt {
                owners: &o,
                led: &[]
            }
        )
        .is_err());
        let admin = principal(Role::Admin, &[], None);
        assert!(authorize(
            Some(&admin),
            &Action::Exempt {
                owners: &o,
                led: &[]
            }
        )
        .is_ok());
        let viewer = principal(Role::Viewer, &["payments"], None);
        assert!(authorize(
            Some(&viewer),
            &Action::Exempt {
                owners: &o,
                led: &led
            }
        )
        .is_err());
    }

    #[test]
    fn every_signed_in_account_may_subscribe_but_not_with_a_read_token() {
        let feed = Action::CalendarFeed;
        assert_eq!(authorize(None, &feed), Err(Denied::Unauthenticated));
        for role in [Role::Viewer, Role::Member, Role::Admin] {
            assert!(authorize(Some(&principal(role, &[], None)), &feed).is_ok());
            let write = principal(role, &[], Some(Scope::Write));
            assert!(authorize(Some(&write), &feed).is_ok());
            let read = principal(role, &[], Some(Scope::Read));
            assert!(matches!(
                authorize(Some(&read), &feed),
                Err(Denied::Forbidden(_))
            ));
        }
    }
}
