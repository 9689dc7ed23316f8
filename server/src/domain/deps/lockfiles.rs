//! Lockfiles read into one flat list of resolved packages: the first step to telling a team
//! which of its dependencies are stale or known to be vulnerable. Each parser is pure (text
//! in, packages out) and reads what the real tools write, but is strict where a wrong answer
//! would mislead: a package without a version, a name no registry allows, or a file that does
//! not parse is a [`ParseError`] that names the file and, when known, the line.

use serde::Deserialize;
use serde_json::Value as Json;
use serde_yaml::Value as Yaml;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// npm's limit, the tightest of the registries read here.
const MAX_NAME: usize = 214;
const MAX_VERSION: usize = 256;
const KNOWN: &str = "Cargo.lock, package-lock.json, pnpm-lock.yaml, yarn.lock, poetry.lock, \
                     uv.lock, requirements*.txt, go.mod";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    Crates,
    Npm,
    PyPI,
    Go,
}

impl Ecosystem {
    pub const ALL: [Ecosystem; 4] = [Self::Crates, Self::Npm, Self::PyPI, Self::Go];

    /// The ecosystem of an OSV name, as [`Ecosystem::name`] writes it.
    pub fn parse(name: &str) -> Option<Ecosystem> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The ecosystem as OSV names it, so that a package can be looked up as it is.
    pub fn name(self) -> &'static str {
        match self {
            Self::Crates => "crates.io",
            Self::Npm => "npm",
            Self::PyPI => "PyPI",
            Self::Go => "Go",
        }
    }
}

/// One resolved package. `direct` says whether the project itself asks for it; `None` when
/// the file keeps no record of that (yarn v1, poetry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    pub direct: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    CargoLock,
    PackageLock,
    PnpmLock,
    YarnLock,
    PoetryLock,
    UvLock,
    Requirements,
    GoMod,
}

impl Format {
    /// The format as the API names it.
    pub fn name(self) -> &'static str {
        match self {
            Self::CargoLock => "cargo-lock",
            Self::PackageLock => "package-lock",
            Self::PnpmLock => "pnpm-lock",
            Self::YarnLock => "yarn-lock",
            Self::PoetryLock => "poetry-lock",
            Self::UvLock => "uv-lock",
            Self::Requirements => "requirements",
            Self::GoMod => "go-mod",
        }
    }

    pub fn ecosystem(self) -> Ecosystem {
        match self {
            Self::CargoLock => Ecosystem::Crates,
            Self::PackageLock | Self::PnpmLock | Self::YarnLock => Ecosystem::Npm,
            Self::PoetryLock | Self::UvLock | Self::Requirements => Ecosystem::PyPI,
            Self::GoMod => Ecosystem::Go,
        }
    }
}

/// The format of the file at `path`, by its file name alone (contents are not sniffed: the
/// names are fixed by the tools that write them).
pub fn detect(path: &str) -> Option<Format> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    Some(match name {
        "Cargo.lock" => Format::CargoLock,
        "package-lock.json" => Format::PackageLock,
        "pnpm-lock.yaml" => Format::PnpmLock,
        "yarn.lock" => Format::YarnLock,
        "poetry.lock" => Format::PoetryLock,
        "uv.lock" => Format::UvLock,
        "go.mod" => Format::GoMod,
        n if n.starts_with("requirements") && n.ends_with(".txt") => Format::Requirements,
        _ => return None,
    })
}

/// The packages `text` (the file at `path`) resolves, each (name, version) once and in file
/// order.
pub fn parse(path: &str, text: &str) -> Result<Vec<Package>, ParseError> {
    let src = Source { file: path, text };
    let format = detect(path)
        .ok_or_else(|| src.error(None, format!("not a lockfile format known here ({KNOWN})")))?;
    let packages = match format {
        Format::CargoLock => cargo_lock(&src)?,
        Format::PackageLock => package_lock(&src)?,
        Format::PnpmLock => pnpm_lock(&src)?,
        Format::YarnLock => yarn_lock(&src)?,
        Format::PoetryLock => poetry_lock(&src)?,
        Format::UvLock => uv_lock(&src)?,
        Format::Requirements => requirements(&src)?,
        Format::GoMod => go_mod(&src)?,
    };
    Ok(dedupe(packages))
}

/// A Python package name as PEP 503 normalises it: lowercase, each run of `-`, `_`, `.` one
/// `-` (so `Zope.Interface` and `zope_interface` are the same package).
pub fn python_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Merges repeats; a package is direct if any of its entries says so (`Some(true)` >
/// `Some(false)` > `None`).
fn dedupe(packages: Vec<Package>) -> Vec<Package> {
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut out: Vec<Package> = Vec::with_capacity(packages.len());
    for p in packages {
        match seen.get(&(p.name.clone(), p.version.clone())) {
            Some(&i) => out[i].direct = out[i].direct.max(p.direct),
            None => {
                seen.insert((p.name.clone(), p.version.clone()), out.len());
                out.push(p);
            }
        }
    }
    out
}

/// The file being read, for errors and line numbers.
struct Source<'a> {
    file: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn error(&self, line: Option<usize>, message: impl Into<String>) -> ParseError {
        ParseError {
            file: self.file.to_string(),
            line,
            message: message.into(),
        }
    }

    /// The 1-based line of byte `offset` (bytes, so that no offset can split a character).
    fn line_at(&self, offset: usize) -> usize {
        let before = &self.text.as_bytes()[..offset.min(self.text.len())];
        before.iter().filter(|b| **b == b'\n').count() + 1
    }

    /// The first line at or after byte `from` holding `needle`, for the parsers (JSON, YAML)
    /// that keep no positions of the values they return.
    fn line_of(&self, needle: &str, from: usize) -> Option<usize> {
        let rest = self.text.get(from..)?;
        rest.find(needle).map(|i| self.line_at(from + i))
    }

    /// A package, once its name and version are known to be ones a registry could hold.
    /// `line` is only worked out for an error (finding it means scanning the text).
    fn package(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        version: Option<&str>,
        direct: Option<bool>,
        line: impl FnOnce() -> Option<usize>,
    ) -> Result<Package, ParseError> {
        let checked = self.check("name", name, MAX_NAME).and_then(|()| {
            let version = version.ok_or_else(|| {
                self.error(None, format!("package {} has no version", shown(name)))
            })?;
            self.check(&format!("version of {}", shown(name)), version, MAX_VERSION)?;
            Ok(version)
        });
        match checked {
            Ok(version) => Ok(Package {
                ecosystem,
                name: name.to_string(),
                version: version.to_string(),
                direct,
            }),
            Err(e) => Err(ParseError { line: line(), ..e }),
        }
    }

    fn check(&self, what: &str, value: &str, max: usize) -> Result<(), ParseError> {
        let problem = if value.is_empty() {
            "is empty"
        } else if value.chars().count() > max {
            return Err(self.error(None, format!("{what} is longer than {max} characters")));
        } else if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            "holds a space or control character"
        } else {
            return Ok(());
        };
        Err(self.error(None, format!("{what} {} {problem}", shown(value))))
    }
}

/// `value` quoted and escaped for a message, cut short if long.
fn shown(value: &str) -> String {
    let cut: String = value.chars().take(60).collect();
    format!("{cut:?}")
}

/// serde_json and serde_yaml end their messages with the position, which the error already
/// carries as its line.
fn without_position(message: String) -> String {
    match message.split_once(" at line ") {
        Some((head, _)) => head.to_string(),
        None => message,
    }
}

// Cargo.lock, poetry.lock and uv.lock share the `[[package]]` shape.

#[derive(Deserialize)]
struct TomlLock {
    #[serde(default)]
    package: Vec<TomlPackage>,
}

#[derive(Deserialize)]
struct TomlPackage {
    name: toml::Spanned<String>,
    version: Option<String>,
    source: Option<toml::Value>,
    dependencies: Option<toml::Value>,
    #[serde(rename = "optional-dependencies")]
    optional_dependencies: Option<toml::Value>,
    #[serde(rename = "dev-dependencies")]
    dev_dependencies: Option<toml::Value>,
}

fn read_toml(src: &Source) -> Result<Vec<TomlPackage>, ParseError> {
    match toml::from_str::<TomlLock>(src.text) {
        Ok(lock) => Ok(lock.package),
        Err(e) => Err(src.error(
            e.span().map(|s| src.line_at(s.start)),
            e.message().trim().to_string(),
        )),
    }
}

fn toml_array(value: &Option<toml::Value>) -> &[toml::Value] {
    value
        .as_ref()
        .and_then(toml::Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Packages without a `source` are the workspace's own crates; what they list is direct.
fn cargo_lock(src: &Source) -> Result<Vec<Package>, ParseError> {
    let packages = read_toml(src)?;
    let members: Vec<&TomlPackage> = packages.iter().filter(|p| p.source.is_none()).collect();
    // Cargo writes "name", or "name version" and "name version (source)" when ambiguous.
    let mut wanted: HashSet<(&str, Option<&str>)> = HashSet::new();
    for dep in members.iter().flat_map(|m| toml_array(&m.dependencies)) {
        let mut words = dep.as_str().unwrap_or_default().split_whitespace();
        if let Some(name) = words.next() {
            wanted.insert((name, words.next()));
        }
    }
    packages
        .iter()
        .filter(|p| p.source.is_some())
        .map(|p| {
            let name = p.name.get_ref().as_str();
            let direct = (!members.is_empty()).then(|| {
                wanted.contains(&(name, None)) || wanted.contains(&(name, p.version.as_deref()))
            });
            let line = || Some(src.line_at(p.name.span().start));
            src.package(Ecosystem::Crates, name, p.version.as_deref(), direct, line)
        })
        .collect()
}

fn poetry_lock(src: &Source) -> Result<Vec<Package>, ParseError> {
    read_toml(src)?
        .iter()
        .map(|p| {
            let line = || Some(src.line_at(p.name.span().start));
            let name = python_name(p.name.get_ref());
            src.package(Ecosystem::PyPI, &name, p.version.as_deref(), None, line)
        })
        .collect()
}

/// The project (and any workspace member) is the package uv installs editable or as a virtual
/// root; what it declares, in any group, is direct.
fn uv_lock(src: &Source) -> Result<Vec<Package>, ParseError> {
    let packages = read_toml(src)?;
    let is_project = |p: &TomlPackage| {
        p.source
            .as_ref()
            .and_then(toml::Value::as_table)
            .is_some_and(|t| t.contains_key("editable") || t.contains_key("virtual"))
    };
    let mut projects = 0;
    let mut wanted = HashSet::new();
    for p in packages.iter().filter(|p| is_project(p)) {
        projects += 1;
        let groups = [&p.optional_dependencies, &p.dev_dependencies]
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_table)
            .flat_map(|t| t.values())
            .filter_map(toml::Value::as_array)
            .flatten();
        for dep in toml_array(&p.dependencies).iter().chain(groups) {
            if let Some(name) = dep.get("name").and_then(toml::Value::as_str) {
                wanted.insert(python_name(name));
            }
        }
    }
    packages
        .iter()
        .filter(|p| !is_project(p))
        .map(|p| {
            let line = || Some(src.line_at(p.name.span().start));
            let name = python_name(p.name.get_ref());
            let direct = (projects > 0).then(|| wanted.contains(&name));
            src.package(Ecosystem::PyPI, &name, p.version.as_deref(), direct, line)
        })
        .collect()
}

const NPM_DEPENDENCIES: [&str; 4] = [
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

fn package_lock(src: &Source) -> Result<Vec<Package>, ParseError> {
    let doc: Json = serde_json::from_str(src.text)
        .map_err(|e| src.error(Some(e.line()), without_position(e.to_string())))?;
    let Some(packages) = doc.get("packages").and_then(Json::as_object) else {
        let message = if doc.get("dependencies").is_some() {
            "is lockfileVersion 1, which lists no \"packages\": run `npm install` with npm 7 \
             or later to write lockfileVersion 2 or 3"
        } else {
            "has no \"packages\" map: expected a package-lock.json of lockfileVersion 2 or 3"
        };
        return Err(src.error(None, message));
    };
    let root = packages.get("");
    let roots: HashSet<&str> = NPM_DEPENDENCIES
        .iter()
        .filter_map(|field| root?.get(field)?.as_object())
        .flat_map(|deps| deps.keys().map(String::as_str))
        .collect();
    let mut out = Vec::new();
    for (key, entry) in packages {
        // Keys without node_modules/ are the workspace's own folders; links point at them.
        let Some((_, path_name)) = key.rsplit_once("node_modules/") else {
            continue;
        };
        if entry.get("link").and_then(Json::as_bool) == Some(true) {
            continue;
        }
        let Some(version) = entry.get("version") else {
            continue;
        };
        let line = || src.line_of(&format!("\"{key}\""), 0);
        let version = version.as_str().ok_or_else(|| {
            src.error(
                line(),
                format!("the version of {} is not a string", shown(key)),
            )
        })?;
        // An alias ("x": "npm:y@1") installs y under node_modules/x; y is what is installed.
        let name = entry
            .get("name")
            .and_then(Json::as_str)
            .unwrap_or(path_name);
        let top_level = key.len() == "node_modules/".len() + path_name.len();
        let direct = root.map(|_| top_level && roots.contains(path_name));
        out.push(src.package(Ecosystem::Npm, name, Some(version), direct, line)?);
    }
    Ok(out)
}

/// `name@version` from a pnpm key or version: "/name@1.0.0" (v6), "@scope/name@1.0.0(peer@2)"
/// (the peers in parentheses are not part of the version).
fn pnpm_key(key: &str) -> Option<(&str, &str)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    let key = key.split('(').next().unwrap_or(key);
    let at = key.get(1..)?.find('@')? + 1;
    Some((&key[..at], &key[at + 1..]))
}

fn pnpm_lock(src: &Source) -> Result<Vec<Package>, ParseError> {
    let doc: Yaml = serde_yaml::from_str(src.text).map_err(|e| {
        src.error(
            e.location().map(|l| l.line()),
            without_position(e.to_string()),
        )
    })?;
    let version = match doc.get("lockfileVersion") {
        Some(Yaml::String(s)) => s.clone(),
        Some(Yaml::Number(n)) => n.to_string(),
        _ => return Err(src.error(None, "has no lockfileVersion: not a pnpm lockfile")),
    };
    let major: u32 = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 6 {
        return Err(src.error(
            src.line_of("lockfileVersion", 0),
            format!("lockfileVersion {version} is not read here: pnpm 8 or later writes 6 or 9"),
        ));
    }
    // Direct: what an importer (v9, and v6 workspaces) or the single project (v6) declares.
    let mut projects: Vec<&Yaml> = vec![&doc];
    if let Some(importers) = doc.get("importers").and_then(Yaml::as_mapping) {
        projects.extend(importers.values());
    }
    let mut wanted: HashSet<(String, String)> = HashSet::new();
    for deps in projects.iter().flat_map(|p| {
        ["dependencies", "devDependencies", "optionalDependencies"]
            .iter()
            .filter_map(|field| p.get(field)?.as_mapping())
    }) {
        for (name, spec) in deps {
            let name = name.as_str().unwrap_or_default();
            let version = spec
                .get("version")
                .unwrap_or(spec)
                .as_str()
                .unwrap_or_default();
            if version.starts_with("link:") {
                continue;
            }
            let (name, version) = match pnpm_key(version) {
                Some((alias_of, v)) if version.contains('@') => (alias_of, v),
                _ => (name, version.split('(').next().unwrap_or(version)),
            };
            wanted.insert((name.to_string(), version.to_string()));
        }
    }
    let Some(packages) = doc.get("packages").and_then(Yaml::as_mapping) else {
        return Ok(Vec::new());
    };
    let section = src.text.find("\npackages:").unwrap_or(0);
    let mut out = Vec::new();
    for key in packages.keys() {
        let key = key.as_str().unwrap_or_default();
        // The key as a mapping key, quoted or not; any mention of it, failing that.
        let line = || {
            [format!(" {key}:"), format!(" '{key}':"), key.to_string()]
                .iter()
                .find_map(|needle| src.line_of(needle, section))
        };
        let (name, version) = pnpm_key(key).ok_or_else(|| {
            src.error(
                line(),
                format!("package key {} is not name@version", shown(key)),
            )
        })?;
        let direct = Some(wanted.contains(&(name.to_string(), version.to_string())));
        out.push(src.package(Ecosystem::Npm, name, Some(version), direct, line)?);
    }
    Ok(out)
}

/// The package name of a yarn spec: "a@^1" → a, "@scope/x@^1" → @scope/x, and for an alias
/// "a@npm:b@^1" the package really installed, b.
fn yarn_name(spec: &str) -> Option<&str> {
    let at = spec.get(1..)?.find('@')? + 1;
    match spec[at + 1..].strip_prefix("npm:") {
        Some(target) => yarn_name(target),
        None => Some(&spec[..at]),
    }
}

fn yarn_lock(src: &Source) -> Result<Vec<Package>, ParseError> {
    if let Some(i) = src.text.lines().position(|l| l.starts_with("__metadata:")) {
        return Err(src.error(
            Some(i + 1),
            "is a Yarn Berry (v2 or later) lockfile; only Yarn v1 lockfiles are read",
        ));
    }
    let mut out = Vec::new();
    // The block being read: its header's line, its package name, its version once seen.
    let mut block: Option<(usize, &str, Option<&str>)> = None;
    let mut finish = |block: Option<(usize, &str, Option<&str>)>| -> Result<(), ParseError> {
        if let Some((line, name, version)) = block {
            out.push(src.package(Ecosystem::Npm, name, version, None, || Some(line))?);
        }
        Ok(())
    };
    for (i, line) in src.text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            finish(block.take())?;
            let header = line
                .trim_end()
                .strip_suffix(':')
                .ok_or_else(|| src.error(Some(n), "expected a block header like `name@^1.0.0:`"))?;
            let first = header
                .split(',')
                .next()
                .unwrap_or_default()
                .trim()
                .trim_matches('"');
            let name = yarn_name(first).ok_or_else(|| {
                src.error(
                    Some(n),
                    format!("{} is not a name@range spec", shown(first)),
                )
            })?;
            block = Some((n, name, None));
        } else if let Some((_, _, version)) = &mut block {
            // Only the block's own field, not a dependency named "version" nested deeper.
            let field = line
                .strip_prefix("  ")
                .filter(|f| !f.starts_with([' ', '\t']));
            if let Some(v) = field.and_then(|f| f.strip_prefix("version ")) {
                *version = Some(v.trim().trim_matches('"'));
            }
        }
    }
    finish(block)?;
    Ok(out)
}

/// pip's comment rule: `#` at the start of a line or after whitespace.
fn strip_comment(line: &str) -> &str {
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        if c == '#' && previous.is_whitespace() {
            return &line[..i];
        }
        previous = c;
    }
    line
}

/// Only exact pins say what is installed; ranges, URLs and local paths are left out.
fn requirements(src: &Source) -> Result<Vec<Package>, ParseError> {
    let mut out = Vec::new();
    let mut logical = String::new();
    let mut start = 1;
    let mut lines = src.text.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        if logical.is_empty() {
            start = i + 1;
        }
        let line = strip_comment(raw);
        if let Some(head) = line.trim_end().strip_suffix('\\') {
            logical.push_str(head);
            logical.push(' ');
            if lines.peek().is_some() {
                continue;
            }
        } else {
            logical.push_str(line);
        }
        let text = std::mem::take(&mut logical);
        if let Some(p) = requirement(src, &text, start)? {
            out.push(p);
        }
    }
    Ok(out)
}

fn requirement(src: &Source, line: &str, n: usize) -> Result<Option<Package>, ParseError> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('-') {
        return Ok(None);
    }
    let req = line.split(';').next().unwrap_or_default();
    let req = match req.find(" --").or(req.find("\t--")) {
        Some(i) => &req[..i],
        None => req,
    }
    .trim();
    if req.contains(['<', '>', '!', '~', ',', '@', '*']) || req.contains("://") {
        return Ok(None);
    }
    let Some((name, version)) = req.split_once("==") else {
        return Ok(None);
    };
    // `===` is PEP 440's arbitrary equality: a pin too.
    let version = version.strip_prefix('=').unwrap_or(version).trim();
    let name = name.split('[').next().unwrap_or_default().trim();
    if name.is_empty() {
        return Err(src.error(
            Some(n),
            format!("{} has no package name before ==", shown(req)),
        ));
    }
    if version.is_empty() {
        return Err(src.error(Some(n), format!("{} has no version after ==", shown(req))));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(src.error(
            Some(n),
            format!("{} is not a valid package name", shown(name)),
        ));
    }
    let name = python_name(name);
    src.package(Ecosystem::PyPI, &name, Some(version), Some(true), || {
        Some(n)
    })
    .map(Some)
}

fn is_local_path(target: &str) -> bool {
    target == "."
        || target == ".."
        || ["./", "../", "/", ".\\", "..\\"]
            .iter()
            .any(|p| target.starts_with(p))
}

/// `require` lines, single or in blocks; `// indirect` marks what only dependencies need.
/// A module replaced by a local directory is not fetched from anywhere, so it is dropped.
fn go_mod(src: &Source) -> Result<Vec<Package>, ParseError> {
    let mut required = Vec::new();
    let mut local: Vec<(&str, Option<&str>)> = Vec::new();
    let mut block: Option<(&str, usize)> = None;
    for (i, raw) in src.text.lines().enumerate() {
        let n = i + 1;
        let (code, comment) = match raw.split_once("//") {
            Some((code, comment)) => (code.trim(), Some(comment.trim())),
            None => (raw.trim(), None),
        };
        if code.is_empty() {
            continue;
        }
        let (verb, args) = match block {
            Some(_) if code == ")" => {
                block = None;
                continue;
            }
            Some((verb, _)) => (verb, code),
            None => {
                if let Some(verb) = code.strip_suffix('(').map(str::trim) {
                    if !verb.contains(char::is_whitespace) {
                        block = Some((verb, n));
                        continue;
                    }
                }
                code.split_once(char::is_whitespace).unwrap_or((code, ""))
            }
        };
        let words: Vec<&str> = args
            .split_whitespace()
            .map(|w| w.trim_matches('"'))
            .collect();
        match verb {
            "require" => {
                let [module, version] = words[..] else {
                    return Err(src.error(Some(n), "expected `module version` after require"));
                };
                let indirect =
                    comment.is_some_and(|c| c == "indirect" || c.starts_with("indirect;"));
                required.push((module, version, !indirect, n));
            }
            "replace" => {
                let arrow = words.iter().position(|w| *w == "=>");
                let (Some(arrow), Some(target)) = (arrow, arrow.and_then(|a| words.get(a + 1)))
                else {
                    return Err(src.error(Some(n), "expected `module [version] => replacement`"));
                };
                if is_local_path(target) {
                    match words[..arrow] {
                        [module] => local.push((module, None)),
                        [module, version] => local.push((module, Some(version))),
                        _ => return Err(src.error(Some(n), "expected `module [version] =>`")),
                    }
                }
            }
            _ => {}
        }
    }
    if let Some((verb, line)) = block {
        return Err(src.error(Some(line), format!("the `{verb} (` block is never closed")));
    }
    required
        .into_iter()
        .filter(|(m, v, _, _)| {
            !local
                .iter()
                .any(|(lm, lv)| lm == m && lv.is_none_or(|lv| lv == *v))
        })
        .map(|(module, version, direct, n)| {
            src.package(Ecosystem::Go, module, Some(version), Some(direct), || {
                Some(n)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
