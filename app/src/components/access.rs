//! Whether the signed-in account may change something, so that a page offers only the controls
//! that would work. The API decides (`domain::authz`); this mirrors its rule for display only,
//! and a refusal the page did not foresee is still shown as the API's error.

use crate::api::Me;

/// Admins may change anything; members what their teams own; viewers and tokens that may only
/// read, nothing.
pub fn may_write<'a>(me: &Me, teams: impl IntoIterator<Item = &'a str>) -> bool {
    match me.role.as_str() {
        "admin" => true,
        "member" => teams.into_iter().any(|t| me.teams.iter().any(|m| m == t)),
        _ => false,
    }
}

/// Whether `me` is the catalog person `handle`.
pub fn is_person(me: &Me, handle: &str) -> bool {
    me.person.as_deref() == Some(handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me(role: &str, teams: &[&str]) -> Me {
        Me {
            handle: "ada".into(),
            role: role.into(),
            person: Some("ada".into()),
            teams: teams.iter().map(|t| t.to_string()).collect(),
            via: "session".into(),
        }
    }

    #[test]
    fn members_write_for_their_teams_only() {
        assert!(may_write(
            &me("member", &["payments"]),
            ["storefront", "payments"]
        ));
        assert!(!may_write(&me("member", &["payments"]), ["storefront"]));
        assert!(may_write(&me("admin", &[]), ["storefront"]));
        assert!(!may_write(&me("viewer", &["payments"]), ["payments"]));
        assert!(is_person(&me("viewer", &[]), "ada"));
        assert!(!is_person(&me("viewer", &[]), "grace"));
    }
}
