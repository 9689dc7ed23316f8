use super::*;

const PACKAGE_LOCK: &str = include_str!("../fixtures/package-lock.json");
const PNPM_V9: &str = include_str!("../fixtures/pnpm-lock.yaml");
const PNPM_V6: &str = include_str!("../fixtures/pnpm-lock-v6.yaml");
const YARN: &str = include_str!("../fixtures/yarn.lock");
const POETRY: &str = include_str!("../fixtures/poetry.lock");
const UV: &str = include_str!("../fixtures/uv.lock");
const REQUIREMENTS: &str = include_str!("../fixtures/requirements.txt");
const GO_MOD: &str = include_str!("../fixtures/go.mod");

/// The repository's own lockfiles, read at test time so that a dependency bump does not mean
/// a rebuild of the test (the assertions below hold across bumps).
fn repository_file(name: &str) -> String {
    let path = format!("{}/../{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).expect("the repository's lockfile")
}

fn parsed(path: &str, text: &str) -> Vec<Package> {
    parse(path, text).unwrap_or_else(|e| panic!("{path} should parse: {e}"))
}

fn failure(path: &str, text: &str) -> ParseError {
    parse(path, text).expect_err("should not parse")
}

/// name@version=direct, for comparing whole lists at a glance.
fn summary(packages: &[Package]) -> Vec<String> {
    let flag = |d: Option<bool>| match d {
        Some(true) => "direct",
        Some(false) => "indirect",
        None => "?",
    };
    packages
        .iter()
        .map(|p| format!("{}@{} {}", p.name, p.version, flag(p.direct)))
        .collect()
}

fn sorted(packages: &[Package]) -> Vec<String> {
    let mut s = summary(packages);
    s.sort();
    s
}

#[test]
fn formats_are_detected_by_file_name() {
    assert_eq!(detect("Cargo.lock"), Some(Format::CargoLock));
    assert_eq!(detect("web/package-lock.json"), Some(Format::PackageLock));
    assert_eq!(detect("pnpm-lock.yaml"), Some(Format::PnpmLock));
    assert_eq!(detect("a/b/yarn.lock"), Some(Format::YarnLock));
    assert_eq!(detect("poetry.lock"), Some(Format::PoetryLock));
    assert_eq!(detect("uv.lock"), Some(Format::UvLock));
    assert_eq!(detect("requirements.txt"), Some(Format::Requirements));
    assert_eq!(
        detect("ci\\requirements-dev.txt"),
        Some(Format::Requirements)
    );
    assert_eq!(detect("svc/go.mod"), Some(Format::GoMod));
    assert_eq!(detect("go.sum"), None);
    assert_eq!(detect("Cargo.toml"), None);
    assert_eq!(detect("requirements.in"), None);
    assert_eq!(Format::UvLock.ecosystem().name(), "PyPI");
    assert_eq!(Ecosystem::Crates.name(), "crates.io");
}

#[test]
fn an_unknown_file_is_an_error_naming_the_known_formats() {
    let e = failure("deps/Gemfile.lock", "GEM\n");
    assert_eq!(e.file, "deps/Gemfile.lock");
    assert_eq!(e.line, None);
    assert!(
        e.message.contains("Cargo.lock") && e.message.contains("go.mod"),
        "{e}"
    );
}

#[test]
fn errors_read_as_file_line_message() {
    let e = ParseError {
        file: "Cargo.lock".into(),
        line: Some(12),
        message: "package \"x\" has no version".into(),
    };
    assert_eq!(
        e.to_string(),
        "Cargo.lock line 12: package \"x\" has no version"
    );
    let e = ParseError { line: None, ..e };
    assert_eq!(e.to_string(), "Cargo.lock: package \"x\" has no version");
}

#[test]
fn the_repositorys_cargo_lock_lists_its_crates_and_its_direct_dependencies() {
    let text = repository_file("Cargo.lock");
    let packages = parsed("Cargo.lock", &text);
    // 517 [[package]] entries today, two of them the workspace's own crates.
    assert!((400..2000).contains(&packages.len()), "{}", packages.len());
    assert!(packages.iter().all(|p| p.ecosystem == Ecosystem::Crates));
    assert!(!packages.iter().any(|p| p.name.starts_with("steward")));
    let get = |name: &str| {
        packages
            .iter()
            .filter(|p| p.name == name)
            .collect::<Vec<_>>()
    };
    let serde = get("serde");
    assert_eq!(serde.len(), 1);
    let declared = format!("name = \"serde\"\nversion = \"{}\"\n", serde[0].version);
    assert!(text.contains(&declared), "serde {}", serde[0].version);
    assert_eq!(serde[0].direct, Some(true));
    assert_eq!(get("axum")[0].direct, Some(true));
    assert_eq!(get("tokio")[0].direct, Some(true));
    assert_eq!(get("hyper")[0].direct, Some(false));
    // "toml 0.8.23" in the member's list: only that toml is direct, not the newer ones
    // other crates pull in.
    let toml = get("toml");
    assert!(toml.len() > 1);
    for t in toml {
        assert_eq!(
            t.direct,
            Some(t.version.starts_with("0.8.")),
            "toml {}",
            t.version
        );
    }
}

#[test]
fn the_repositorys_package_lock_lists_its_dev_tools_as_direct() {
    let packages = parsed("package-lock.json", &repository_file("package-lock.json"));
    assert!(
        !packages.is_empty() && packages.len() < 50,
        "{}",
        packages.len()
    );
    assert!(!packages.iter().any(|p| p.name == "steward"));
    let playwright = packages
        .iter()
        .find(|p| p.name == "playwright-core")
        .expect("playwright-core");
    assert_eq!(playwright.direct, Some(true));
    assert_eq!(playwright.ecosystem, Ecosystem::Npm);
    assert!(
        playwright.version.starts_with("1."),
        "{}",
        playwright.version
    );
}

#[test]
fn package_lock_keeps_scopes_nesting_and_aliases_and_skips_links() {
    let packages = parsed("package-lock.json", PACKAGE_LOCK);
    assert_eq!(
        sorted(&packages),
        [
            "@babel/core@7.24.0 direct",
            // Hoisted once, nested again under the workspace folder: listed once.
            "debug@4.3.4 indirect",
            "semver@6.3.1 indirect",
            "semver@7.6.0 indirect",
            "string-width@4.2.3 direct",
            "typescript@5.4.5 direct",
        ]
    );
}

#[test]
fn package_lock_v1_asks_for_a_newer_lockfile() {
    let v1 = r#"{ "name": "old", "lockfileVersion": 1, "dependencies": { "a": { "version": "1.0.0" } } }"#;
    let e = failure("package-lock.json", v1);
    assert!(e.message.contains("lockfileVersion 2 or 3"), "{e}");
}

#[test]
fn pnpm_v9_reads_importers_for_direct_dependencies() {
    let packages = parsed("pnpm-lock.yaml", PNPM_V9);
    assert_eq!(
        summary(&packages),
        [
            "@tanstack/query-core@5.28.0 indirect",
            "@tanstack/react-query@5.28.0 direct",
            "clsx@2.1.0 direct",
            "js-tokens@4.0.0 indirect",
            "loose-envify@1.4.0 indirect",
            "react@18.2.0 direct",
            "typescript@5.4.5 direct",
        ]
    );
}

#[test]
fn pnpm_v6_strips_slashes_and_peer_suffixes() {
    let packages = parsed("pnpm-lock.yaml", PNPM_V6);
    assert_eq!(
        summary(&packages),
        [
            "@tanstack/query-core@5.28.0 indirect",
            "@tanstack/react-query@5.28.0 direct",
            "js-tokens@4.0.0 indirect",
            "loose-envify@1.4.0 indirect",
            "react@18.2.0 direct",
            "typescript@5.4.5 direct",
        ]
    );
    let e = failure(
        "pnpm-lock.yaml",
        "lockfileVersion: 5.4\npackages:\n  /a/1.0.0: {}\n",
    );
    assert_eq!(e.line, Some(1));
    assert!(e.message.contains("5.4"), "{e}");
}

#[test]
fn yarn_v1_takes_the_name_from_the_first_spec() {
    let packages = parsed("yarn.lock", YARN);
    assert_eq!(
        summary(&packages),
        [
            "@babel/code-frame@7.22.13 ?",
            "ansi-styles@3.2.1 ?",
            "chalk@2.4.2 ?",
            "string-width@4.2.3 ?",
        ]
    );
    // A dependency named "version" is not the block's version.
    let nested = "a@^1:\n  dependencies:\n    version \"^9.9.9\"\n  version \"1.0.1\"\n";
    assert_eq!(summary(&parsed("yarn.lock", nested)), ["a@1.0.1 ?"]);
    let e = failure(
        "yarn.lock",
        "a@^1:\n  version \"1.0.0\"\n\nb@^2:\n  resolved \"x\"\n",
    );
    assert_eq!(
        (e.line, e.message.as_str()),
        (Some(4), "package \"b\" has no version")
    );
}

#[test]
fn yarn_berry_is_refused_plainly() {
    let berry =
        "# This file is generated by running \"yarn install\"\n\n__metadata:\n  version: 8\n";
    let e = failure("yarn.lock", berry);
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("Yarn Berry"), "{e}");
}

#[test]
fn poetry_names_are_normalised_and_directness_unknown() {
    let packages = parsed("poetry.lock", POETRY);
    assert_eq!(
        summary(&packages),
        [
            "asgiref@3.8.1 ?",
            "django@5.0.3 ?",
            "sqlparse@0.4.4 ?",
            "zope-interface@6.2 ?",
        ]
    );
    assert!(packages.iter().all(|p| p.ecosystem == Ecosystem::PyPI));
    assert_eq!(python_name("Zope__.Interface"), "zope-interface");
}

#[test]
fn uv_skips_the_project_and_marks_what_it_declares() {
    let packages = parsed("uv.lock", UV);
    assert_eq!(
        summary(&packages),
        [
            "anyio@4.3.0 direct",
            "idna@3.6 indirect",
            "iniconfig@2.0.0 indirect",
            "pytest@8.1.1 direct",
            "sniffio@1.3.1 indirect",
            "typing-extensions@4.10.0 direct",
        ]
    );
}

#[test]
fn requirements_keep_only_pins() {
    let packages = parsed("requirements.txt", REQUIREMENTS);
    assert_eq!(
        summary(&packages),
        [
            "certifi@2024.2.2 direct",
            "flask@3.0.2 direct",
            "urllib3@2.2.1 direct",
            "zope-interface@6.2 direct",
        ]
    );
    let e = failure("requirements.txt", "# pins\nfoo==1.0\nbar==\n");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("no version"), "{e}");
    let e = failure("requirements-dev.txt", "\n==1.0\n");
    assert_eq!(
        e.to_string(),
        "requirements-dev.txt line 2: \"==1.0\" has no package name before =="
    );
    // The line of a continued requirement is the line it starts on.
    let e = failure(
        "requirements.txt",
        "a==1 \\\n  --hash=sha256:00\nb c==2 \\\n  --hash=sha256:11\n",
    );
    assert_eq!(e.line, Some(3));
}

#[test]
fn go_mod_reads_require_blocks_indirect_marks_and_local_replacements() {
    let packages = parsed("go.mod", GO_MOD);
    assert_eq!(
        summary(&packages),
        [
            "github.com/google/uuid@v1.6.0 direct",
            "github.com/jackc/pgx/v5@v5.5.5 direct",
            // Replaced by another version from the network: still reported as required.
            "golang.org/x/crypto@v0.21.0 indirect",
            "github.com/stretchr/testify@v1.9.0 direct",
            "github.com/davecgh/go-spew@v1.1.1 indirect",
            "github.com/pmezard/go-difflib@v1.0.0 indirect",
        ]
    );
    assert!(packages.iter().all(|p| p.ecosystem == Ecosystem::Go));
    let e = failure("go.mod", "module x\n\nrequire (\n\tgithub.com/a/b\n)\n");
    assert_eq!(e.line, Some(4));
    let e = failure("go.mod", "module x\n\nrequire (\n\tgithub.com/a/b v1.0.0\n");
    assert_eq!(
        (e.line, e.message.as_str()),
        (Some(3), "the `require (` block is never closed")
    );
}

#[test]
fn malformed_files_name_the_line_the_parser_stopped_at() {
    let e = failure(
        "Cargo.lock",
        "version = 4\n\n[[package]]\nname = \"serde\nversion = \"1\"\n",
    );
    assert_eq!(e.line, Some(4), "{e}");
    let e = failure("Cargo.lock", "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+x\"\n\n[[package]]\nname = \"b\"\nsource = \"registry+x\"\n");
    assert_eq!(
        e.to_string(),
        "Cargo.lock line 7: package \"b\" has no version"
    );
    let e = failure(
        "package-lock.json",
        "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n",
    );
    assert_eq!(e.line, Some(4), "{e}");
    assert!(!e.message.contains("at line"), "{e}");
    let e = failure(
        "pnpm-lock.yaml",
        "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: [\n",
    );
    assert!(e.line.is_some(), "{e}");
    let e = failure("uv.lock", "[[package]]\nname = \"a\"\nversion = [1]\n");
    assert_eq!(e.line, Some(3), "{e}");
}

#[test]
fn odd_names_are_errors_on_their_line() {
    let e = failure("go.mod", "module x\n\nrequire github.com/a\u{7}b v1.0.0\n");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("control"), "{e}");
    let e = failure("requirements.txt", "ok==1\nnot ok==1.0\n");
    assert_eq!(e.line, Some(2));
    let long = "a".repeat(215);
    let e = failure("yarn.lock", &format!("{long}@^1:\n  version \"1.0.0\"\n"));
    assert_eq!(e.line, Some(1));
    assert!(e.message.contains("214"), "{e}");
    let e = failure(
        "poetry.lock",
        "[[package]]\nname = \"with space\"\nversion = \"1\"\n",
    );
    assert_eq!(e.line, Some(2));
    let pnpm = "lockfileVersion: '9.0'\n\npackages:\n\n  react@18.2.0: {}\n\n  'a b@1.0.0': {}\n";
    assert_eq!(failure("pnpm-lock.yaml", pnpm).line, Some(7));
    let lock = "{\"packages\": {\"\": {},\n \"node_modules/a b\": {\"version\": \"1.0.0\"}}}";
    assert_eq!(failure("package-lock.json", lock).line, Some(2));
}

#[test]
fn no_truncation_of_any_fixture_panics() {
    let fixtures = [
        ("package-lock.json", PACKAGE_LOCK),
        ("pnpm-lock.yaml", PNPM_V9),
        ("pnpm-lock.yaml", PNPM_V6),
        ("yarn.lock", YARN),
        ("poetry.lock", POETRY),
        ("uv.lock", UV),
        ("requirements.txt", REQUIREMENTS),
        ("go.mod", GO_MOD),
        (
            "Cargo.lock",
            "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+x\"\n",
        ),
    ];
    for (path, text) in fixtures {
        for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            // Ok or Err are both fine; what matters is that it returns.
            let _ = parse(path, &text[..end]);
        }
    }
}
