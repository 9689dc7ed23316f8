//! Validation of catalog input. Each check returns field-level errors (camelCase field names,
//! as the API spells them) so the API and the importer can report every problem at once.
//! References to other records (owners, dependencies, parents) are checked by the store,
//! which knows what exists.

use steward_app::api::{FieldError, Link, PersonInput, ServiceInput, TeamInput};

/// Collects field errors for one input.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Slugs and handles: lowercase letters, digits and single hyphens, starting with a letter,
/// ending with a letter or digit, 2–63 characters (fits DNS labels and Backstage names).
pub fn check_slug(value: &str) -> Result<(), String> {
    let ok_len = (2..=63).contains(&value.len());
    let bytes = value.as_bytes();
    let ok_chars = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let ok_ends = bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes.last().is_some_and(|b| b.is_ascii_alphanumeric());
    if ok_len && ok_chars && ok_ends && !value.contains("--") {
        Ok(())
    } else {
        Err(format!(
            "'{value}' is not a valid slug: use 2–63 lowercase letters, digits and single hyphens, starting with a letter"
        ))
    }
}

fn check_name(errors: &mut Errors, field: &str, value: &str) {
    if value.trim().is_empty() {
        errors.add(field, "must not be empty");
    } else if value.chars().count() > 200 {
        errors.add(field, "must be at most 200 characters");
    }
}

fn check_optional_text(errors: &mut Errors, field: &str, value: Option<&str>, max: usize) {
    if let Some(v) = value {
        if v.chars().count() > max {
            errors.add(field, format!("must be at most {max} characters"));
        }
    }
}

fn check_email(errors: &mut Errors, field: &str, value: Option<&str>) {
    if let Some(v) = value {
        let valid = v.len() <= 254
            && !v.contains(char::is_whitespace)
            && v.split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
        if !valid {
            errors.add(field, format!("'{v}' is not an email address"));
        }
    }
}

/// An IANA time zone name known to the tz database (`Europe/Berlin`, `UTC`).
pub fn check_zone(value: &str) -> Result<chrono_tz::Tz, String> {
    value
        .parse::<chrono_tz::Tz>()
        .map_err(|_| format!("'{value}' is not an IANA time zone (for example Europe/Berlin)"))
}

/// A GitHub login: alphanumerics and single hyphens, at most 39 characters.
pub fn check_github_login(value: &str) -> Result<(), String> {
    let valid = (1..=39).contains(&value.len())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-')
        && !value.contains("--");
    if valid {
        Ok(())
    } else {
        Err(format!("'{value}' is not a GitHub login"))
    }
}

/// A GitHub repository as `owner/name`.
pub fn check_repository(value: &str) -> Result<(), String> {
    let valid = value.split_once('/').is_some_and(|(owner, name)| {
        check_github_login(owner).is_ok()
            && !name.is_empty()
            && name.len() <= 100
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    });
    if valid {
        Ok(())
    } else {
        Err(format!("'{value}' is not a repository; use owner/name"))
    }
}

/// Tags as Backstage allows them: lowercase letters, digits and `-+#:._`, at most 63.
pub fn check_tag(value: &str) -> Result<(), String> {
    let valid = (1..=63).contains(&value.len())
        && value.as_bytes()[0].is_ascii_alphanumeric()
        && value.chars().all(|c| {
            c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || matches!(c, '-' | '+' | '#' | ':' | '.' | '_')
        });
    if valid {
        Ok(())
    } else {
        Err(format!(
            "'{value}' is not a valid tag: use lowercase letters, digits and - + # : . _"
        ))
    }
}

pub(crate) fn check_link(errors: &mut Errors, index: usize, link: &Link) {
    if link.title.trim().is_empty() {
        errors.add(format!("links.{index}.title"), "must not be empty");
    }
    match url::Url::parse(&link.url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => {}
        _ => errors.add(
            format!("links.{index}.url"),
            format!("'{}' is not an http(s) URL", link.url),
        ),
    }
}

fn check_slug_list(errors: &mut Errors, field: &str, values: &[String]) {
    for (i, v) in values.iter().enumerate() {
        if let Err(e) = check_slug(v) {
            errors.add(format!("{field}.{i}"), e);
        } else if values[..i].contains(v) {
            errors.add(format!("{field}.{i}"), format!("'{v}' is listed twice"));
        }
    }
}

pub fn validate_team(input: &TeamInput) -> Errors {
    let mut errors = Errors::default();
    if let Err(e) = check_slug(&input.slug) {
        errors.add("slug", e);
    }
    check_name(&mut errors, "name", &input.name);
    if let Some(parent) = &input.parent {
        if let Err(e) = check_slug(parent) {
            errors.add("parent", e);
        } else if parent == &input.slug {
            errors.add("parent", "a team cannot be its own parent");
        }
    }
    check_optional_text(
        &mut errors,
        "description",
        input.description.as_deref(),
        2000,
    );
    check_optional_text(
        &mut errors,
        "chatChannel",
        input.chat_channel.as_deref(),
        80,
    );
    check_email(&mut errors, "email", input.email.as_deref());
    for (i, m) in input.members.iter().enumerate() {
        if let Err(e) = check_slug(&m.person) {
            errors.add(format!("members.{i}.person"), e);
        } else if input.members[..i].iter().any(|o| o.person == m.person) {
            errors.add(
                format!("members.{i}.person"),
                format!("'{}' is listed twice", m.person),
            );
        }
    }
    errors
}

pub fn validate_person(input: &PersonInput) -> Errors {
    let mut errors = Errors::default();
    if let Err(e) = check_slug(&input.handle) {
        errors.add("handle", e);
    }
    check_name(&mut errors, "name", &input.name);
    check_email(&mut errors, "email", input.email.as_deref());
    if let Err(e) = check_zone(&input.time_zone) {
        errors.add("timeZone", e);
    }
    if let Some(login) = &input.github_login {
        if let Err(e) = check_github_login(login) {
            errors.add("githubLogin", e);
        }
    }
    errors
}

pub fn validate_service(input: &ServiceInput) -> Errors {
    let mut errors = Errors::default();
    if let Err(e) = check_slug(&input.slug) {
        errors.add("slug", e);
    }
    check_name(&mut errors, "name", &input.name);
    check_optional_text(
        &mut errors,
        "description",
        input.description.as_deref(),
        2000,
    );
    if input.owners.is_empty() {
        errors.add("owners", "a service needs at least one owning team");
    }
    check_slug_list(&mut errors, "owners", &input.owners);
    if !(1..=4).contains(&input.tier) {
        errors.add("tier", "tier must be 1, 2, 3 or 4");
    }
    check_optional_text(&mut errors, "system", input.system.as_deref(), 63);
    if let Some(repo) = &input.repository {
        if let Err(e) = check_repository(repo) {
            errors.add("repository", e);
        }
    }
    for (i, link) in input.links.iter().enumerate() {
        check_link(&mut errors, i, link);
    }
    for (i, tag) in input.tags.iter().enumerate() {
        if let Err(e) = check_tag(tag) {
            errors.add(format!("tags.{i}"), e);
        } else if input.tags[..i].contains(tag) {
            errors.add(format!("tags.{i}"), format!("'{tag}' is listed twice"));
        }
    }
    check_slug_list(&mut errors, "dependsOn", &input.depends_on);
    if input.depends_on.contains(&input.slug) {
        errors.add("dependsOn", "a service cannot depend on itself");
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_app::api::{Lifecycle, ServiceKind};

    fn service() -> ServiceInput {
        ServiceInput {
            slug: "payments-api".into(),
            name: "Payments API".into(),
            description: None,
            owners: vec!["payments".into()],
            tier: 1,
            lifecycle: Lifecycle::Production,
            kind: ServiceKind::Service,
            system: None,
            repository: Some("northwind/payments-api".into()),
            links: vec![Link {
                title: "Runbook".into(),
                url: "https://wiki.example.com/pay".into(),
            }],
            tags: vec!["pci".into()],
            depends_on: vec!["ledger".into()],
            annotations: Default::default(),
            version: None,
        }
    }

    fn fields(e: Errors) -> Vec<String> {
        e.0.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn slugs() {
        for ok in ["ab", "payments-api", "a1", "team-2-b"] {
            assert!(check_slug(ok).is_ok(), "{ok}");
        }
        for bad in [
            "a",
            "Payments",
            "1abc",
            "a--b",
            "abc-",
            "with space",
            "ä-b",
            &"a".repeat(64),
        ] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn valid_service_has_no_errors() {
        assert!(validate_service(&service()).is_empty());
    }

    #[test]
    fn service_errors_name_their_fields() {
        let mut s = service();
        s.slug = "Bad Slug".into();
        s.tier = 7;
        s.owners = vec![];
        s.links[0].url = "ftp://x".into();
        s.tags = vec!["UPPER".into()];
        s.depends_on = vec!["ledger".into(), "ledger".into()];
        s.repository = Some("no-slash".into());
        assert_eq!(
            fields(validate_service(&s)),
            [
                "slug",
                "owners",
                "tier",
                "repository",
                "links.0.url",
                "tags.0",
                "dependsOn.1"
            ]
        );
    }

    #[test]
    fn self_dependency_is_rejected() {
        let mut s = service();
        s.depends_on = vec!["payments-api".into()];
        assert_eq!(fields(validate_service(&s)), ["dependsOn"]);
    }

    #[test]
    fn zones_and_logins() {
        assert!(check_zone("Europe/Berlin").is_ok());
        assert!(check_zone("UTC").is_ok());
        assert!(check_zone("Mars/Olympus").is_err());
        assert!(check_github_login("octo-cat").is_ok());
        assert!(check_github_login("-octo").is_err());
        assert!(check_repository("octo/repo.rs").is_ok());
        assert!(check_repository("octo/").is_err());
    }
}
