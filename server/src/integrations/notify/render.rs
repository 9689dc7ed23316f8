//! What a notification says, per channel kind: pure functions of the stored payload (askama
//! templates in `server/templates/notify/`), so every output is snapshot-tested without a
//! database or a network. A generic webhook gets the payload itself, byte for byte, since
//! those are the bytes its signature covers.

use super::digest::Digest;
use crate::store::outbox::OpenedFinding;
use anyhow::Context;
use askama::Template;

/// Slack's mrkdwn needs `&`, `<` and `>` escaped; anything else is shown as written.
mod filters {
    #[askama::filter_fn]
    pub fn mrkdwn(s: impl std::fmt::Display, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(s.to_string()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;"))
    }
}

#[derive(Template)]
#[template(path = "notify/finding_opened.slack.txt")]
struct FindingSlack<'a> {
    f: &'a OpenedFinding,
    service_url: Option<String>,
}

#[derive(Template)]
#[template(path = "notify/finding_opened.email.txt")]
struct FindingEmail<'a> {
    f: &'a OpenedFinding,
    service_url: Option<String>,
}

#[derive(Template)]
#[template(path = "notify/digest.slack.txt")]
struct DigestSlack<'a> {
    d: &'a Digest,
    team_url: Option<String>,
    new_more: i64,
    fixed_more: i64,
}

#[derive(Template)]
#[template(path = "notify/digest.email.txt")]
struct DigestEmail<'a> {
    d: &'a Digest,
    team_url: Option<String>,
    new_more: i64,
    fixed_more: i64,
}

/// A message ready for one channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Rendered {
    /// The JSON body for a Slack-compatible incoming webhook.
    Slack(serde_json::Value),
    /// The raw body of a generic webhook.
    Webhook(String),
    Email {
        subject: String,
        text: String,
    },
}

/// The e-mail subject (and the outbox row's summary) of an opened finding.
pub fn finding_subject(f: &OpenedFinding) -> String {
    format!(
        "[Steward] {} (tier {}): {}{}",
        f.service_name,
        f.tier,
        f.rule_title,
        if f.reopened { " (reopened)" } else { "" }
    )
}

/// The subject of a team's weekly digest.
pub fn digest_subject(d: &Digest) -> String {
    format!("[Steward] Weekly digest for {}, {}", d.team_name, d.to)
}

fn link(base: Option<&str>, path: &str) -> Option<String> {
    base.map(|b| format!("{}{path}", b.trim_end_matches('/')))
}

/// Renders a stored notification (`kind` and `payload` of an outbox row) for a channel of
/// `channel_kind`; `base` is Steward's public URL, for links.
pub fn render(
    kind: &str,
    subject: &str,
    payload: &str,
    channel_kind: &str,
    base: Option<&str>,
) -> anyhow::Result<Rendered> {
    if channel_kind == "webhook" {
        return Ok(Rendered::Webhook(payload.to_string()));
    }
    let slack = channel_kind == "slack";
    let text = match kind {
        "finding-opened" => {
            let f: OpenedFinding =
                serde_json::from_str(payload).context("malformed finding payload")?;
            let service_url = link(base, &format!("/services/{}", f.service));
            if slack {
                FindingSlack { f: &f, service_url }.render()?
            } else {
                FindingEmail { f: &f, service_url }.render()?
            }
        }
        "digest" => {
            let d: Digest = serde_json::from_str(payload).context("malformed digest payload")?;
            let team_url = link(base, &format!("/teams/{}/scorecard", d.team));
            let new_more = d.new_total - d.new.len() as i64;
            let fixed_more = d.fixed_total - d.fixed.len() as i64;
            if slack {
                DigestSlack {
                    d: &d,
                    team_url,
                    new_more,
                    fixed_more,
                }
                .render()?
            } else {
                DigestEmail {
                    d: &d,
                    team_url,
                    new_more,
                    fixed_more,
                }
                .render()?
            }
        }
        other => anyhow::bail!("unknown notification kind '{other}'"),
    };
    Ok(if slack {
        Rendered::Slack(serde_json::json!({ "text": text }))
    } else {
        Rendered::Email {
            subject: subject.to_string(),
            text,
        }
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::integrations::notify::digest::{DigestFinding, FailsSoon, LevelChange};

    pub(crate) fn finding() -> OpenedFinding {
        OpenedFinding {
            finding_id: 7,
            service: "payments-api".into(),
            service_name: "Payments <API>".into(),
            tier: 1,
            teams: vec!["payments".into(), "platform".into()],
            rule: "escalation-policy".into(),
            rule_title: "Tier 1–2 services have an escalation policy".into(),
            severity: "high".into(),
            message: "payments-api has no escalation policy".into(),
            how_to_fix: "Choose a policy on the service's on-call tab.".into(),
            subject: "-".into(),
            reopened: false,
        }
    }

    fn text(r: Rendered) -> String {
        match r {
            Rendered::Slack(v) => v["text"].as_str().unwrap_or_default().to_string(),
            Rendered::Webhook(body) => body,
            Rendered::Email { subject, text } => format!("Subject: {subject}\n\n{text}"),
        }
    }

    fn render_finding(f: &OpenedFinding, channel: &str) -> String {
        let payload = serde_json::to_string(f).expect("json");
        let r = render(
            "finding-opened",
            &finding_subject(f),
            &payload,
            channel,
            Some("https://steward.example.com/"),
        );
        text(r.expect("renders"))
    }

    #[test]
    fn an_opened_finding_for_slack() {
        insta::assert_snapshot!(render_finding(&finding(), "slack"), @r"
        :rotating_light: *New finding* on <https://steward.example.com/services/payments-api|Payments &lt;API&gt;> (tier 1): *Tier 1–2 services have an escalation policy*
        Severity high · owned by payments, platform
        > payments-api has no escalation policy
        *How to fix:* Choose a policy on the service's on-call tab.
        ");
    }

    #[test]
    fn a_reopened_finding_by_email() {
        let mut f = finding();
        f.reopened = true;
        f.subject = "primary".into();
        insta::assert_snapshot!(render_finding(&f, "email"), @r"
        Subject: [Steward] Payments <API> (tier 1): Tier 1–2 services have an escalation policy (reopened)

        A finding has reopened on Payments <API> (payments-api, tier 1).

        Rule:      Tier 1–2 services have an escalation policy (escalation-policy)
        Severity:  high
        Owned by:  payments, platform
        About:     primary

        payments-api has no escalation policy

        How to fix:
        Choose a policy on the service's on-call tab.

        Open in Steward: https://steward.example.com/services/payments-api

        --
        Sent by Steward to the owners of payments-api.
        ");
    }

    #[test]
    fn a_generic_webhook_gets_the_payload_as_stored() {
        let payload = serde_json::to_string(&finding()).expect("json");
        let r = render("finding-opened", "s", &payload, "webhook", None).expect("renders");
        assert_eq!(r, Rendered::Webhook(payload));
        insta::assert_snapshot!(serde_json::to_string_pretty(&finding()).expect("json"), @r#"
        {
          "findingId": 7,
          "service": "payments-api",
          "serviceName": "Payments <API>",
          "tier": 1,
          "teams": [
            "payments",
            "platform"
          ],
          "rule": "escalation-policy",
          "ruleTitle": "Tier 1–2 services have an escalation policy",
          "severity": "high",
          "message": "payments-api has no escalation policy",
          "howToFix": "Choose a policy on the service's on-call tab.",
          "subject": "-",
          "reopened": false
        }
        "#);
    }

    fn item(service: &str, rule: &str, reopened: bool) -> DigestFinding {
        DigestFinding {
            finding_id: 1,
            service: service.into(),
            service_name: format!("The {service}"),
            tier: 2,
            rule: rule.into(),
            severity: "medium".into(),
            message: format!("{service} fails {rule}"),
            reopened,
            at: "2026-11-26T10:00:00.000000Z".into(),
        }
    }

    pub(crate) fn digest() -> Digest {
        Digest {
            team: "payments".into(),
            team_name: "Payments".into(),
            from: "2026-11-23".into(),
            to: "2026-11-30".into(),
            new: vec![
                item("ledger", "has-description", false),
                item("payments-api", "team-lead", true),
            ],
            new_total: 3,
            fixed: vec![item("ledger", "repository", false)],
            fixed_total: 1,
            still_open: 4,
            worst: vec![item("payments-api", "team-lead", true)],
            level_changes: vec![
                LevelChange {
                    scope_kind: "team".into(),
                    scope: "payments".into(),
                    name: "Team Payments".into(),
                    before: "bronze".into(),
                    after: "silver".into(),
                },
                LevelChange {
                    scope_kind: "service".into(),
                    scope: "ledger".into(),
                    name: "The ledger".into(),
                    before: "gold".into(),
                    after: "silver".into(),
                },
            ],
            fails_soon: vec![FailsSoon {
                service: "ledger".into(),
                service_name: "The ledger".into(),
                rule: "escalation-policy".into(),
                what: "exemption expires".into(),
                at: "2026-12-05".into(),
            }],
        }
    }

    fn render_digest(d: &Digest, channel: &str) -> String {
        let payload = serde_json::to_string(d).expect("json");
        text(render("digest", &digest_subject(d), &payload, channel, None).expect("renders"))
    }

    #[test]
    fn a_digest_for_slack() {
        insta::assert_snapshot!(render_digest(&digest(), "slack"), @r"
        :bar_chart: *Weekly digest for Payments* (2026-11-23 – 2026-11-30)

        *New findings* (3)
        • *The ledger* — has-description: ledger fails has-description (medium)
        • *The payments-api* — team-lead: payments-api fails team-lead (medium, reopened)
        …and 1 more

        *Fixed* (1)
        • *The ledger* — repository

        *Still open*: 4, the worst:
        • *The payments-api* (tier 2) — team-lead: payments-api fails team-lead (medium)

        *Level changes*
        • Team Payments: bronze → silver
        • The ledger: gold → silver

        *Fails soon*
        • *The ledger* — escalation-policy: exemption expires (2026-12-05)
        ");
    }

    #[test]
    fn a_digest_by_email() {
        insta::assert_snapshot!(render_digest(&digest(), "email"), @r"
        Subject: [Steward] Weekly digest for Payments, 2026-11-30

        Weekly digest for Payments (payments), 2026-11-23 to 2026-11-30.

        NEW FINDINGS (3)
        - The ledger (ledger, tier 2): has-description, medium
          ledger fails has-description
        - The payments-api (payments-api, tier 2): team-lead, medium, reopened
          payments-api fails team-lead
        ...and 1 more

        FIXED (1)
        - The ledger (ledger): repository

        STILL OPEN: 4
        - The payments-api (payments-api, tier 2): team-lead, medium
          payments-api fails team-lead

        LEVEL CHANGES
        - Team Payments: bronze -> silver
        - The ledger: gold -> silver

        FAILS SOON
        - The ledger (ledger): escalation-policy, exemption expires (2026-12-05)

        --
        Sent weekly by Steward to the channels of payments.
        ");
    }

    #[test]
    fn an_empty_digest_says_so() {
        let d = Digest {
            new: vec![],
            new_total: 0,
            fixed: vec![],
            fixed_total: 0,
            still_open: 0,
            worst: vec![],
            level_changes: vec![],
            fails_soon: vec![],
            ..digest()
        };
        insta::assert_snapshot!(render_digest(&d, "slack"), @r"
        :bar_chart: *Weekly digest for Payments* (2026-11-23 – 2026-11-30)

        *New findings* (0)
        Nothing new.

        *Fixed* (0)
        Nothing fixed this week.

        *Still open*: 0

        *Level changes*
        No level changed.

        *Fails soon*
        Nothing is due to fail in the next 14 days.
        ");
    }

    #[test]
    fn garbage_payloads_are_errors() {
        assert!(render("digest", "s", "{", "slack", None).is_err());
        assert!(render("other", "s", "{}", "email", None).is_err());
    }
}
