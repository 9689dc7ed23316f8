//! Reading Backstage catalog files for `steward import`.
//!
//! A Backstage catalog is usually a root `catalog-info.yaml` whose Location entities point at
//! more files. The server's import endpoint only sees YAML text, so the command line follows
//! those Locations here, on the machine that has the files, and sends everything it found.
//! Only file targets can be followed offline; URL targets are an error rather than being
//! skipped, because a silently partial import would look complete.

use crate::domain::backstage;
use anyhow::{bail, Context};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Reads each file and, recursively, the files its Location entities name. Returns
/// `(path, text)` pairs, each file once, a file before the files it names.
pub fn read_files(paths: &[PathBuf]) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        read(path, None, &mut seen, &mut out)?;
    }
    Ok(out)
}

fn read(
    path: &Path,
    named_by: Option<&Path>,
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<(String, String)>,
) -> anyhow::Result<()> {
    let context = || match named_by {
        Some(location) => format!(
            "cannot read {}, a Location target in {}",
            path.display(),
            location.display()
        ),
        None => format!("cannot read {}", path.display()),
    };
    // Canonical paths make `sub/../b.yaml` and `b.yaml` the same file, so a Location that
    // points back up the tree is read once instead of forever.
    let canonical = std::fs::canonicalize(path).with_context(context)?;
    if !seen.insert(canonical) {
        return Ok(());
    }
    let text = std::fs::read_to_string(path).with_context(context)?;
    let source = path.display().to_string();
    let targets = location_targets(&text, &source)?;
    out.push((source, text));
    let dir = path.parent().unwrap_or(Path::new(""));
    for target in targets {
        // `join` keeps absolute targets as they are; collecting the components drops `./`.
        let next: PathBuf = dir.join(&target).components().collect();
        read(&next, Some(path), seen, out)?;
    }
    Ok(())
}

/// The file targets of the Location entities in one file.
fn location_targets(text: &str, source: &str) -> anyhow::Result<Vec<String>> {
    let docs = backstage::parse(text, source).map_err(anyhow::Error::msg)?;
    let mut targets = Vec::new();
    for doc in docs {
        let v = &doc.value;
        let is_location = v
            .get("kind")
            .and_then(|k| k.as_str())
            .is_some_and(|k| k.eq_ignore_ascii_case("Location"));
        let Some(spec) = v.get("spec").filter(|_| is_location) else {
            continue;
        };
        let kind = spec.get("type").and_then(|t| t.as_str()).unwrap_or("file");
        let mut found: Vec<&str> = spec
            .get("target")
            .and_then(|t| t.as_str())
            .into_iter()
            .collect();
        if let Some(list) = spec.get("targets").and_then(|t| t.as_sequence()) {
            found.extend(list.iter().filter_map(|t| t.as_str()));
        }
        for target in found {
            if kind == "url" || target.starts_with("http://") || target.starts_with("https://") {
                bail!(
                    "{}: cannot follow URL targets offline: {target}",
                    doc.describe()
                );
            }
            if kind != "file" {
                bail!(
                    "{}: cannot follow Location type '{kind}'; only file targets are read",
                    doc.describe()
                );
            }
            if target.contains(['*', '?', '[']) {
                bail!(
                    "{}: glob targets are not supported: {target}",
                    doc.describe()
                );
            }
            targets.push(target.to_string());
        }
    }
    Ok(targets)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use std::fs;

    const GROUP: &str =
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: team-a }\n";

    fn location(targets: &[&str]) -> String {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {{ name: here }}\n\
             spec:\n  targets: [{}]\n",
            targets.join(", ")
        )
    }

    fn names(files: &[(String, String)], root: &Path) -> Vec<String> {
        files
            .iter()
            .map(|(path, _)| {
                Path::new(path)
                    .strip_prefix(root)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn locations_are_followed_once_each() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("sub")).unwrap();
        fs::write(
            root.join("catalog-info.yaml"),
            location(&["./teams.yaml", "sub/more.yaml"]),
        )
        .unwrap();
        fs::write(root.join("teams.yaml"), GROUP).unwrap();
        // Points back at the root (a loop) and at one more file.
        let more = format!(
            "{}---\n{}",
            location(&["../catalog-info.yaml"]),
            location(&["./svc.yaml"])
        );
        fs::write(root.join("sub/more.yaml"), more).unwrap();
        fs::write(root.join("sub/svc.yaml"), GROUP).unwrap();

        let files = read_files(&[root.join("catalog-info.yaml"), root.join("teams.yaml")]).unwrap();
        assert_eq!(
            names(&files, root),
            [
                "catalog-info.yaml",
                "teams.yaml",
                "sub/more.yaml",
                "sub/svc.yaml"
            ]
        );
        assert_eq!(files[1].1, GROUP);
    }

    #[test]
    fn a_missing_target_names_the_location_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("catalog-info.yaml");
        fs::write(&root, location(&["./missing.yaml"])).unwrap();
        let err = format!("{:#}", read_files(std::slice::from_ref(&root)).unwrap_err());
        assert!(err.contains("missing.yaml, a Location target in"), "{err}");
        assert!(err.contains(&root.display().to_string()), "{err}");
    }

    #[test]
    fn url_targets_cannot_be_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("catalog-info.yaml");
        let yaml = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: { name: remote }\n\
                    spec: { type: url, target: https://github.com/acme/repo/blob/main/catalog-info.yaml }\n";
        fs::write(&root, yaml).unwrap();
        let err = read_files(&[root]).unwrap_err().to_string();
        assert!(
            err.contains("cannot follow URL targets offline: https://github.com/acme"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_file_on_the_command_line_is_an_error() {
        let err = read_files(&[PathBuf::from("/nonexistent/catalog.yaml")]).unwrap_err();
        assert_eq!(err.to_string(), "cannot read /nonexistent/catalog.yaml");
    }
}
