//! Demo data for `steward serve --demo`.
//!
//! A fresh instance (and every browser test) starts from this catalogue, so it has to look like
//! a real company: Northwind Cargo, an online marketplace for home and outdoor goods with its
//! own delivery fleet and payment business. It has a team hierarchy, people spread over time
//! zones (two of them departed), and services of every tier, lifecycle and kind whose
//! dependency graph contains exactly one cycle (`orders-api` ↔ `inventory-api`) for cycle
//! reporting to show. This module is pure data; the caller writes it to the store.

use std::collections::BTreeMap;

use steward_app::api::{
    Lifecycle, Link, Member, PersonInput, ServiceInput, ServiceKind, TeamInput, TeamRole,
};
use Lifecycle::{Deprecated, Experimental, Production};
use ServiceKind::{Job, Library, Service, Website};

const DOMAIN: &str = "northwindcargo.com";

/// Everything `--demo` loads. Teams list parents before children; dependencies may point to
/// services later in the list, so a loader creates all services before linking them.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCatalog {
    pub teams: Vec<TeamInput>,
    pub people: Vec<PersonInput>,
    pub services: Vec<ServiceInput>,
}

/// The demo catalogue; the same value on every call.
pub fn catalog() -> DemoCatalog {
    DemoCatalog {
        teams: teams(),
        people: people(),
        services: services(),
    }
}

/// Handle, name, IANA zone, GitHub login; the e-mail address is `handle@` the company domain.
#[rustfmt::skip]
const PEOPLE: &[(&str, &str, &str, Option<&str>)] = &[
    ("aokafor", "Amara Okafor", "Europe/London", Some("amaraokafor")),
    ("jweber", "Jonas Weber", "Europe/Berlin", Some("jonasweber")),
    ("psharma", "Priya Sharma", "Asia/Kolkata", Some("priya-sharma")),
    ("dmurphy", "Declan Murphy", "America/New_York", Some("dmurphy-nw")),
    ("hlindqvist", "Hanna Lindqvist", "Europe/Stockholm", Some("hlindqvist")),
    ("ktanaka", "Kenji Tanaka", "Australia/Sydney", Some("kenjit")),
    ("rgarcia", "Rosa García", "Europe/Madrid", Some("rosagarcia")),
    ("tnguyen", "Thanh Nguyen", "Australia/Sydney", Some("thanhng")),
    ("mobrien", "Maeve O'Brien", "Europe/Dublin", Some("maeveob")),
    ("akumar", "Arjun Kumar", "Asia/Kolkata", Some("arjunk")),
    ("bschmidt", "Benedikt Schmidt", "Europe/Berlin", None),
    ("lmensah", "Lydia Mensah", "Europe/London", Some("lydiamensah")),
    ("sfischer", "Sophie Fischer", "Europe/Berlin", Some("sfischer")),
    ("dkowalski", "Dawid Kowalski", "Europe/Warsaw", Some("dkowalski")),
    ("ndlamini", "Naledi Dlamini", "Africa/Johannesburg", Some("naledi-d")),
    ("wzhang", "Wei Zhang", "America/Los_Angeles", Some("weizhang")),
    ("fhassan", "Fatima Hassan", "Europe/London", Some("fhassan")),
    ("mrossi", "Marco Rossi", "Europe/Rome", Some("marcorossi")),
    ("ipatel", "Isha Patel", "Asia/Kolkata", Some("ishapatel")),
    ("cbrooks", "Carter Brooks", "America/Chicago", None),
    ("emartin", "Élodie Martin", "Europe/Paris", Some("elodiemartin")),
    ("lsilva", "Lucas Silva", "America/Sao_Paulo", Some("lucas-silva")),
    ("ajohnson", "Aisha Johnson", "America/New_York", Some("aishaj")),
    ("tmueller", "Tobias Müller", "Europe/Berlin", Some("tobimueller")),
    ("yyamamoto", "Yuki Yamamoto", "Asia/Tokyo", Some("yukiy")),
    ("gcosta", "Gabriela Costa", "America/Sao_Paulo", Some("gabicosta")),
    ("rwilliams", "Rhys Williams", "Europe/London", None),
    ("nbecker", "Nina Becker", "Europe/Berlin", Some("ninabecker")),
    ("oadeyemi", "Olumide Adeyemi", "Africa/Lagos", Some("oadeyemi")),
    ("smoreau", "Sébastien Moreau", "Europe/Paris", Some("smoreau")),
    ("vreddy", "Vikram Reddy", "Asia/Kolkata", Some("vikramreddy")),
    ("ekim", "Eun-ji Kim", "America/Los_Angeles", Some("eunjikim")),
    ("jcohen", "Jacob Cohen", "America/New_York", None),
    ("pribeiro", "Paulo Ribeiro", "America/Sao_Paulo", Some("pauloribeiro")),
    ("hahmed", "Hamza Ahmed", "Europe/London", Some("hamza-ahmed")),
    ("clarsen", "Camilla Larsen", "Europe/Copenhagen", Some("clarsen")),
    ("mgonzalez", "Mateo González", "America/Mexico_City", Some("mateogonzalez")),
    ("zthompson", "Zoe Thompson", "Australia/Sydney", Some("zoethompson")),
    ("arahman", "Anika Rahman", "Asia/Dhaka", Some("anikar")),
    ("iivanova", "Irina Ivanova", "Europe/Berlin", Some("irinaivanova")),
    ("rnakamura", "Rina Nakamura", "America/Los_Angeles", Some("rinak")),
    ("dosei", "Daniel Osei", "Europe/London", Some("danielosei")),
    ("lpetrov", "Lena Petrov", "Europe/Berlin", None),
    ("mfarouk", "Mariam Farouk", "Africa/Cairo", Some("mfarouk")),
    ("gharris", "Greg Harris", "America/New_York", Some("gregharris")),
    ("svolkova", "Svetlana Volkova", "Europe/Berlin", Some("svolkova")),
];

/// People who have left: kept so that old incidents and runbook reviews still name them, and
/// in no team, as offboarding removes them.
const DEPARTED: &[&str] = &["gharris", "svolkova"];

fn people() -> Vec<PersonInput> {
    PEOPLE
        .iter()
        .map(|&(handle, name, zone, github)| PersonInput {
            handle: handle.into(),
            name: name.into(),
            email: Some(format!("{handle}@{DOMAIN}")),
            time_zone: zone.into(),
            github_login: github.map(Into::into),
            active: !DEPARTED.contains(&handle),
            version: None,
        })
        .collect()
}

fn teams() -> Vec<TeamInput> {
    vec![
        team("engineering", "Engineering", "#eng-leads")
            .leads("aokafor")
            .members("jweber psharma dmurphy rnakamura")
            .about("Engineering leadership: technical direction, staffing and incident reviews."),
        team("platform", "Platform", "#platform")
            .under("engineering")
            .leads("jweber")
            .members("hlindqvist ktanaka")
            .about("The runtime, tooling and data foundations every product team builds on."),
        team("infrastructure", "Infrastructure", "#infra")
            .under("platform")
            .leads("rgarcia")
            .members("tnguyen mobrien akumar bschmidt lmensah hlindqvist")
            .about("Runs the Kubernetes clusters, networking, edge gateway and Kafka."),
        team("developer-experience", "Developer Experience", "#devex")
            .under("platform")
            .leads("sfischer")
            .members("dkowalski ndlamini ktanaka")
            .about("CI, the shared service libraries, feature flags and this catalogue."),
        team("data-platform", "Data Platform", "#data-platform")
            .under("platform")
            .leads("wzhang fhassan")
            .members("mrossi ipatel cbrooks")
            .about("The event pipeline, the data lake and ML serving for analytics and fraud."),
        team("commerce", "Commerce", "#commerce")
            .under("engineering")
            .leads("psharma")
            .members("emartin nbecker")
            .about("Everything a customer touches between landing on the site and paying."),
        team("storefront", "Storefront", "#storefront")
            .under("commerce")
            .leads("lsilva")
            .members("ajohnson tmueller yyamamoto gcosta rwilliams")
            .about("The web shop, product catalogue, search and cart."),
        team("payments", "Payments", "#payments")
            .under("commerce")
            .leads("nbecker oadeyemi")
            .members("smoreau vreddy ekim jcohen")
            .about("Payment processing, the ledger and merchant payouts; all PCI-scoped systems."),
        team("logistics", "Logistics", "#logistics")
            .under("engineering")
            .leads("dmurphy")
            .members("pribeiro hahmed clarsen mgonzalez")
            .about("Gets orders from warehouses to doorsteps: orders, stock, shipping, carriers."),
        team("routing", "Routing & Fleet", "#routing")
            .under("logistics")
            .leads("zthompson")
            .members("arahman iivanova hahmed")
            .about("Plans delivery routes and tracks the van fleet in real time."),
        team("identity", "Identity", "#identity")
            .under("engineering")
            .leads("rnakamura")
            .members("dosei lpetrov mfarouk mobrien")
            .about("Customer and staff authentication, accounts and privacy requests."),
    ]
}

fn services() -> Vec<ServiceInput> {
    [
        ("storefront", storefront()),
        ("payments", payments()),
        ("logistics", logistics()),
        ("identity", identity()),
        ("data-platform", data_platform()),
        ("developer-tools", developer_tools()),
        ("platform", platform()),
    ]
    .into_iter()
    .flat_map(|(system, services)| {
        services.into_iter().map(move |service| ServiceInput {
            system: Some(system.into()),
            ..service
        })
    })
    .collect()
}

fn storefront() -> Vec<ServiceInput> {
    vec![
        svc("web-storefront", "Web Storefront", Website, 1)
            .owned_by("storefront")
            .tags("typescript nextjs customer-facing")
            .deps("api-gateway clickstream-collector design-system feature-flags")
            .about("Next.js shop at www.northwindcargo.com: browse, order and track parcels."),
        svc("storefront-bff", "Storefront BFF", Service, 1)
            .owned_by("storefront")
            .tags("typescript graphql customer-facing")
            .deps("catalog-api search-api cart-api checkout-api auth-service recommendations")
            .about("GraphQL backend-for-frontend aggregating catalogue, search and cart calls."),
        svc("catalog-api", "Catalog API", Service, 1)
            .owned_by("storefront")
            .tags("rust grpc postgres")
            .deps("nw-service-kit event-schemas event-bus")
            .about("Serves product and merchant listing data and publishes catalogue changes."),
        svc("search-api", "Search API", Service, 2)
            .owned_by("storefront")
            .tags("rust opensearch")
            .deps("catalog-api nw-service-kit")
            .about("Faceted product search on OpenSearch, reindexed from catalogue events."),
        svc("cart-api", "Cart API", Service, 1)
            .owned_by("storefront")
            .tags("go redis customer-facing")
            .deps("catalog-api nw-go-common")
            .about("Keeps shopping carts in Redis and reprices them on every change."),
        svc("checkout-api", "Checkout API", Service, 1)
            .owned_by("storefront payments")
            .tags("go pci customer-facing")
            .deps("cart-api orders-api payments-api auth-service nw-go-common")
            .about("Turns a cart into an order: checks stock, adds tax and takes payment.")
            .annotate("pagerduty.com/service-id", "P9XW2LT"),
        svc("recommendations", "Recommendations", Service, 3)
            .owned_by("storefront data-platform")
            .lifecycle(Experimental)
            .tags("python ml")
            .deps("feature-store catalog-api")
            .about("A 'customers also bought' model shown on product pages behind a flag."),
        svc("legacy-shop", "Legacy Shop", Website, 3)
            .owned_by("storefront")
            .lifecycle(Deprecated)
            .tags("php customer-facing")
            .deps("catalog-api payment-gateway-v1")
            .about("PHP shop still serving old B2B bulk-order links until they are migrated.")
            .repo(Some("northwind/shop-monolith")),
        svc("design-system", "Design System", Library, 3)
            .owned_by("storefront")
            .tags("typescript react")
            .about("React components and design tokens shared by every web frontend."),
    ]
}

fn payments() -> Vec<ServiceInput> {
    vec![
        svc("payments-api", "Payments API", Service, 1)
            .owned_by("payments")
            .tags("rust pci grpc customer-facing")
            .deps("card-vault ledger fraud-scoring nw-money nw-service-kit")
            .about("Authorises, captures and refunds payments by card, SEPA and PayPal.")
            .annotate("pagerduty.com/service-id", "PZ4K8QM")
            .annotate("backstage.io/techdocs-ref", "dir:."),
        svc("card-vault", "Card Vault", Service, 1)
            .owned_by("payments")
            .tags("go pci")
            .deps("nw-go-common")
            .about("Tokenises card numbers so that no other service ever stores a PAN."),
        svc("ledger", "Ledger", Service, 1)
            .owned_by("payments")
            .tags("rust postgres kafka")
            .deps("nw-money nw-service-kit event-bus")
            .about("Double-entry ledger of every money movement on the marketplace."),
        svc("payment-webhooks", "Payment Webhooks", Service, 2)
            .owned_by("payments")
            .tags("go pci")
            .deps("payments-api nw-go-common")
            .about("Verifies provider webhooks such as chargebacks and relays them."),
        svc("payments-reconciliation", "Payments Reconciliation", Job, 2)
            .owned_by("payments")
            .tags("python finance")
            .deps("ledger")
            .about("Nightly job matching provider settlement reports against the ledger."),
        svc("merchant-payouts", "Merchant Payouts", Job, 2)
            .owned_by("payments")
            .tags("rust finance")
            .deps("ledger nw-money nw-service-kit")
            .about("Daily batch paying marketplace merchants their balance by SEPA and ACH."),
        svc("payment-gateway-v1", "Payment Gateway v1", Service, 2)
            .owned_by("payments")
            .lifecycle(Deprecated)
            .tags("php pci")
            .deps("card-vault")
            .about("The first PHP payment gateway, kept alive only for legacy-shop.")
            .repo(Some("northwind/shop-monolith")),
        svc("fraud-scoring", "Fraud Scoring", Service, 2)
            .owned_by("payments data-platform")
            .tags("python ml pci")
            .deps("event-bus event-schemas")
            .about("Scores each payment attempt for fraud risk before it is authorised."),
        svc("nw-money", "nw-money", Library, 2)
            .owned_by("payments")
            .tags("rust finance")
            .about("Rust crate for currency-safe amounts, rounding rules and FX conversion."),
    ]
}

fn logistics() -> Vec<ServiceInput> {
    vec![
        // orders-api and inventory-api call each other: the one cycle in the graph.
        svc("orders-api", "Orders API", Service, 1)
            .owned_by("logistics")
            .tags("rust grpc kafka")
            .deps("inventory-api event-bus event-schemas nw-service-kit")
            .about("System of record for orders from placement through delivery and returns.")
            .annotate("pagerduty.com/service-id", "PL5D0VC"),
        svc("inventory-api", "Inventory API", Service, 1)
            .owned_by("logistics")
            .tags("rust grpc")
            .deps("orders-api nw-service-kit")
            .about("Reserves stock per warehouse, asking orders-api which holds to release."),
        svc("shipping-api", "Shipping API", Service, 2)
            .owned_by("logistics")
            .tags("go grpc")
            .deps("orders-api carrier-gateway route-planner nw-go-common")
            .about("Creates shipments, buys labels and picks own fleet or a carrier per parcel."),
        svc("carrier-gateway", "Carrier Gateway", Service, 2)
            .owned_by("logistics")
            .tags("go integrations")
            .deps("nw-go-common")
            .about("Adapter to the DHL, UPS and DPD APIs for labels, pickups and tracking."),
        svc("tracking-page", "Tracking Page", Website, 2)
            .owned_by("logistics")
            .tags("typescript customer-facing")
            .deps("shipping-api design-system")
            .about("Public parcel tracking page with live van position and delivery window."),
        svc("returns-portal", "Returns Portal", Website, 3)
            .owned_by("logistics")
            .lifecycle(Experimental)
            .tags("typescript customer-facing")
            .deps("orders-api auth-service design-system")
            .about("Self-service returns with printable labels, piloted in Germany."),
        svc("route-planner", "Route Planner", Service, 2)
            .owned_by("routing")
            .tags("python optimization")
            .deps("fleet-telematics event-schemas")
            .about("Builds daily van routes with a vehicle-routing solver, replanning on delays."),
        svc("fleet-telematics", "Fleet Telematics", Service, 3)
            .owned_by("routing")
            .tags("go mqtt kafka")
            .deps("event-bus nw-go-common")
            .about("Ingests GPS and engine data from delivery vans over MQTT into Kafka."),
    ]
}

fn identity() -> Vec<ServiceInput> {
    vec![
        svc("auth-service", "Auth Service", Service, 1)
            .owned_by("identity")
            .tags("rust oauth customer-facing")
            .deps("user-profiles nw-service-kit")
            .about("OpenID Connect provider for customer and staff logins, MFA and passkeys.")
            .annotate("pagerduty.com/service-id", "PA7R3NB")
            .annotate("backstage.io/techdocs-ref", "dir:."),
        svc("user-profiles", "User Profiles", Service, 1)
            .owned_by("identity")
            .tags("rust postgres gdpr")
            .deps("nw-service-kit event-bus")
            .about("Customer accounts, addresses and consents, plus GDPR export and erasure."),
    ]
}

fn data_platform() -> Vec<ServiceInput> {
    vec![
        svc("event-schemas", "Event Schemas", Library, 2)
            .owned_by("data-platform")
            .tags("protobuf kafka")
            .about("Versioned Protobuf schemas for all Kafka topics, with generated bindings."),
        svc("clickstream-collector", "Clickstream Collector", Service, 3)
            .owned_by("data-platform")
            .tags("go kafka")
            .deps("event-bus event-schemas nw-go-common")
            .about("Collects page-view and click events from the web frontends into Kafka."),
        svc("lakehouse-ingest", "Lakehouse Ingest", Job, 3)
            .owned_by("data-platform")
            .tags("python spark kafka")
            .deps("event-bus event-schemas")
            .about("Hourly Spark job compacting Kafka topics into Iceberg tables."),
        svc("feature-store", "Feature Store", Service, 3)
            .owned_by("data-platform")
            .lifecycle(Experimental)
            .tags("python ml")
            .deps("lakehouse-ingest")
            .about("Online store of precomputed customer and product features for ML models."),
    ]
}

fn developer_tools() -> Vec<ServiceInput> {
    vec![
        svc("nw-service-kit", "nw-service-kit", Library, 2)
            .owned_by("developer-experience")
            .tags("rust grpc observability")
            .about("Rust crate bootstrapping axum and tonic services with tracing and metrics.")
            .annotate("backstage.io/techdocs-ref", "dir:."),
        svc("nw-go-common", "nw-go-common", Library, 2)
            .owned_by("developer-experience")
            .tags("go observability")
            .about("Go module with the shared logger, metrics, Kafka client and health checks."),
        svc("feature-flags", "Feature Flags", Service, 2)
            .owned_by("developer-experience")
            .tags("go customer-facing")
            .deps("nw-go-common")
            .about("Serves feature flags and percentage rollouts to backends and browsers."),
        svc("steward", "Steward", Service, 4)
            .owned_by("developer-experience platform")
            .tags("rust internal-tool")
            .deps("auth-service")
            .about("This catalogue: owners, on-call, runbooks and scorecards of every service.")
            .annotate("backstage.io/techdocs-ref", "dir:."),
    ]
}

fn platform() -> Vec<ServiceInput> {
    vec![
        svc("api-gateway", "API Gateway", Service, 1)
            .owned_by("infrastructure")
            .tags("envoy customer-facing")
            .deps("auth-service storefront-bff")
            .about("Envoy edge gateway terminating TLS, rate-limiting and routing API traffic.")
            .annotate("pagerduty.com/service-id", "PE2H6JY"),
        svc("event-bus", "Event Bus", Service, 1)
            .owned_by("infrastructure")
            .tags("kafka terraform")
            .about("Managed Kafka cluster carrying domain events between services.")
            .repo(None)
            .annotate("northwindcargo.com/managed-by", "terraform"),
        svc("cloud-cost-exporter", "Cloud Cost Exporter", Job, 4)
            .owned_by("platform")
            .tags("go finops")
            .deps("nw-go-common")
            .about("Daily job attributing AWS and GCP bills to services by ownership tags."),
    ]
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

fn team(slug: &str, name: &str, chat_channel: &str) -> TeamInput {
    TeamInput {
        slug: slug.into(),
        name: name.into(),
        chat_channel: Some(chat_channel.into()),
        email: Some(format!("{slug}@{DOMAIN}")),
        ..TeamInput::default()
    }
}

/// Builder steps that keep each team to a few short lines.
trait TeamExt {
    fn under(self, parent: &str) -> Self;
    fn leads(self, handles: &str) -> Self;
    fn members(self, handles: &str) -> Self;
    fn about(self, description: &str) -> Self;
}

impl TeamExt for TeamInput {
    fn under(mut self, parent: &str) -> Self {
        self.parent = Some(parent.into());
        self
    }
    fn leads(mut self, handles: &str) -> Self {
        let leads = words(handles).into_iter().map(|person| Member {
            person,
            role: TeamRole::Lead,
            name: None,
        });
        self.members.extend(leads);
        self
    }
    fn members(mut self, handles: &str) -> Self {
        let members = words(handles).into_iter().map(|person| Member {
            person,
            role: TeamRole::Member,
            name: None,
        });
        self.members.extend(members);
        self
    }
    fn about(mut self, description: &str) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// A production service with this company's defaults: repository `northwind/<slug>` and the
/// links its kind calls for (runbook and dashboard for what runs, docs for libraries).
fn svc(slug: &str, name: &str, kind: ServiceKind, tier: i64) -> ServiceInput {
    let link = |title: &str, url: String| Link {
        title: title.into(),
        url,
    };
    let runbook = link("Runbook", format!("https://wiki.{DOMAIN}/runbooks/{slug}"));
    let dashboard = link("Dashboard", format!("https://grafana.{DOMAIN}/d/{slug}"));
    let docs = link("Docs", format!("https://docs.{DOMAIN}/{slug}/"));
    let links = match (kind, tier) {
        (Library, _) => vec![docs],
        (Website, 1 | 2) => vec![dashboard, runbook],
        (Website, _) => vec![dashboard],
        (_, 1) => vec![runbook, dashboard, docs],
        _ => vec![runbook, dashboard],
    };
    ServiceInput {
        slug: slug.into(),
        name: name.into(),
        description: None,
        owners: Vec::new(),
        tier,
        lifecycle: Production,
        kind,
        system: None,
        repository: Some(format!("northwind/{slug}")),
        links,
        tags: Vec::new(),
        depends_on: Vec::new(),
        annotations: BTreeMap::new(),
        version: None,
    }
}

/// Builder steps that keep each service to a few short lines.
trait ServiceExt {
    fn owned_by(self, teams: &str) -> Self;
    fn lifecycle(self, lifecycle: Lifecycle) -> Self;
    fn tags(self, tags: &str) -> Self;
    fn deps(self, slugs: &str) -> Self;
    fn about(self, description: &str) -> Self;
    fn repo(self, repository: Option<&str>) -> Self;
    fn annotate(self, key: &str, value: &str) -> Self;
}

impl ServiceExt for ServiceInput {
    fn owned_by(mut self, teams: &str) -> Self {
        self.owners = words(teams);
        self
    }
    fn lifecycle(mut self, lifecycle: Lifecycle) -> Self {
        self.lifecycle = lifecycle;
        self
    }
    fn tags(mut self, tags: &str) -> Self {
        self.tags = words(tags);
        self
    }
    fn deps(mut self, slugs: &str) -> Self {
        self.depends_on = words(slugs);
        self
    }
    fn about(mut self, description: &str) -> Self {
        self.description = Some(description.into());
        self
    }
    fn repo(mut self, repository: Option<&str>) -> Self {
        self.repository = repository.map(Into::into);
        self
    }
    fn annotate(mut self, key: &str, value: &str) -> Self {
        self.annotations.insert(key.into(), value.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashMap, HashSet};

    fn valid_slug(s: &str) -> bool {
        (2..=63).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }

    #[test]
    fn is_deterministic_and_large_enough() {
        let c = catalog();
        assert_eq!(c, catalog());
        assert!(c.teams.len() >= 8, "{} teams", c.teams.len());
        assert!(c.people.len() >= 40, "{} people", c.people.len());
        assert!(c.services.len() >= 30, "{} services", c.services.len());
    }

    #[test]
    fn identifiers_are_unique_and_valid() {
        let c = catalog();
        let ids = [
            c.teams.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(),
            c.people.iter().map(|p| p.handle.as_str()).collect(),
            c.services.iter().map(|s| s.slug.as_str()).collect(),
        ];
        for list in ids {
            let unique: HashSet<_> = list.iter().collect();
            assert_eq!(unique.len(), list.len(), "duplicates in {list:?}");
            for id in list {
                assert!(valid_slug(id), "invalid slug {id}");
            }
        }
    }

    #[test]
    fn people_are_spread_over_zones_and_two_have_left() {
        let c = catalog();
        let zones: BTreeSet<&str> = c.people.iter().map(|p| p.time_zone.as_str()).collect();
        for zone in &zones {
            assert!(zone.parse::<chrono_tz::Tz>().is_ok(), "bad zone {zone}");
        }
        let regions: BTreeSet<&str> = zones.iter().filter_map(|z| z.split('/').next()).collect();
        assert!(zones.len() >= 4 && regions.len() >= 4, "{regions:?}");
        assert_eq!(c.people.iter().filter(|p| !p.active).count(), 2);
        let with_github = c.people.iter().filter(|p| p.github_login.is_some()).count();
        assert!(with_github > c.people.len() * 3 / 4 && with_github < c.people.len());
        for p in &c.people {
            let email = p.email.as_deref().unwrap_or_default();
            assert!(email.ends_with("@northwindcargo.com"), "{email}");
        }
    }

    #[test]
    fn teams_reference_people_and_earlier_parents() {
        let c = catalog();
        let active: HashSet<&str> = c
            .people
            .iter()
            .filter(|p| p.active)
            .map(|p| p.handle.as_str())
            .collect();
        let mut seen = HashSet::new();
        for t in &c.teams {
            if let Some(parent) = &t.parent {
                assert!(seen.contains(parent.as_str()), "{} before {parent}", t.slug);
            }
            seen.insert(t.slug.as_str());
            assert!((3..=7).contains(&t.members.len()), "{} size", t.slug);
            let leads = t
                .members
                .iter()
                .filter(|m| m.role == TeamRole::Lead)
                .count();
            assert!((1..=2).contains(&leads), "{} leads", t.slug);
            let handles: HashSet<&str> = t.members.iter().map(|m| m.person.as_str()).collect();
            assert_eq!(
                handles.len(),
                t.members.len(),
                "{} repeats a member",
                t.slug
            );
            assert!(handles.is_subset(&active), "{} has unknown members", t.slug);
            assert!(t
                .chat_channel
                .as_deref()
                .is_some_and(|c| c.starts_with('#')));
        }
        assert!(c.teams.iter().any(|t| t.parent.is_none()));
        assert!(seen.contains("platform"));
    }

    #[test]
    fn services_cover_every_tier_lifecycle_and_kind() {
        let c = catalog();
        for tier in 1..=4 {
            assert!(c.services.iter().any(|s| s.tier == tier), "tier {tier}");
        }
        for lifecycle in Lifecycle::ALL {
            assert!(c.services.iter().any(|s| s.lifecycle == *lifecycle));
        }
        for kind in ServiceKind::ALL {
            assert!(c.services.iter().any(|s| s.kind == *kind));
        }
        let deprecated = c.services.iter().filter(|s| s.lifecycle == Deprecated);
        assert!((2..=3).contains(&deprecated.count()));
    }

    #[test]
    fn services_are_well_formed() {
        let c = catalog();
        let teams: HashSet<&str> = c.teams.iter().map(|t| t.slug.as_str()).collect();
        let services: HashSet<&str> = c.services.iter().map(|s| s.slug.as_str()).collect();
        for s in &c.services {
            assert!(!s.owners.is_empty(), "{} has no owner", s.slug);
            for owner in &s.owners {
                assert!(teams.contains(owner.as_str()), "{}: owner {owner}", s.slug);
            }
            for dep in &s.depends_on {
                assert!(services.contains(dep.as_str()), "{}: dep {dep}", s.slug);
                assert_ne!(dep, &s.slug);
            }
            assert!((1..=3).contains(&s.links.len()), "{} links", s.slug);
            assert!(s.links.iter().all(|l| l.url.starts_with("https://")));
            assert!((2..=4).contains(&s.tags.len()), "{} tags", s.slug);
            assert!(s.tags.iter().all(|t| valid_slug(t)), "{} tags", s.slug);
            let description = s.description.as_deref().unwrap_or_default();
            assert!(description.ends_with('.') && description.len() > 30);
            assert!(s.system.is_some());
        }
        let two_owners = c.services.iter().filter(|s| s.owners.len() == 2).count();
        assert!((3..=6).contains(&two_owners));
        let edges: usize = c.services.iter().map(|s| s.depends_on.len()).sum();
        assert!(edges * 10 / c.services.len() >= 20, "average deps too low");
        assert!(c.services.iter().any(|s| !s.annotations.is_empty()));
    }

    #[test]
    fn browser_tests_find_what_they_expect() {
        let c = catalog();
        let payments_api = c.services.iter().find(|s| s.slug == "payments-api");
        assert_eq!(
            payments_api
                .and_then(|s| s.owners.first())
                .map(String::as_str),
            Some("payments")
        );
        let pay = c.services.iter().filter(|s| {
            let text = format!("{} {} {:?}", s.slug, s.name, s.description);
            text.to_lowercase().contains("pay")
        });
        assert!(pay.count() >= 4);
    }

    /// Services that can reach themselves through `depends_on`: exactly the members of cycles.
    #[test]
    fn dependency_graph_has_exactly_one_cycle() {
        let c = catalog();
        let graph: HashMap<&str, Vec<&str>> = c
            .services
            .iter()
            .map(|s| {
                let deps = s.depends_on.iter().map(String::as_str).collect();
                (s.slug.as_str(), deps)
            })
            .collect();
        let reaches = |from: &str, target: &str| {
            let mut stack: Vec<&str> = graph[from].clone();
            let mut seen = HashSet::new();
            while let Some(node) = stack.pop() {
                if node == target {
                    return true;
                }
                if seen.insert(node) {
                    stack.extend(graph[node].iter().copied());
                }
            }
            false
        };
        let on_cycle: BTreeSet<&str> = graph.keys().copied().filter(|s| reaches(s, s)).collect();
        assert_eq!(on_cycle, BTreeSet::from(["inventory-api", "orders-api"]));
        assert!(graph["orders-api"].contains(&"inventory-api"));
        assert!(graph["inventory-api"].contains(&"orders-api"));
    }
}
