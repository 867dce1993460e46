//! The first-plugin guide shows this crate's files verbatim: each `<!-- include: path -->`
//! line in `docs/guide/first-plugin.md` is followed by a fenced block that must equal that file,
//! so the guide's code is the code CI builds and tests. `GUIDE_UPDATE=1` rewrites the blocks
//! from the files instead.

use std::path::{Path, PathBuf};

const MARKER: &str = "<!-- include: ";

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// The guide with every included block replaced by its file's current text, and the paths of
/// the blocks that differed.
fn render(guide: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut stale = Vec::new();
    let mut lines = guide.split_inclusive('\n');
    while let Some(line) = lines.next() {
        out.push_str(line);
        let Some(path) = line
            .strip_prefix(MARKER)
            .and_then(|rest| rest.trim_end().strip_suffix(" -->"))
        else {
            continue;
        };
        let file = std::fs::read_to_string(repository().join(path))
            .unwrap_or_else(|error| panic!("the guide includes {path}: {error}"));
        let open = lines.next().expect("a fenced block after the include line");
        assert!(
            open.starts_with("```"),
            "{path}: no fence after the include line"
        );
        out.push_str(open);
        let mut shown = String::new();
        for line in lines.by_ref() {
            if line.trim_end() == "```" {
                break;
            }
            shown.push_str(line);
        }
        if shown != file {
            stale.push(path.to_owned());
        }
        out.push_str(&file);
        if !file.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("```\n");
    }
    (out, stale)
}

#[test]
fn the_guide_shows_the_crates_files_as_they_are() {
    let path = repository().join("docs/guide/first-plugin.md");
    let guide = std::fs::read_to_string(&path).unwrap();
    let (rendered, stale) = render(&guide);
    assert!(
        guide.matches(MARKER).count() >= 6,
        "the guide includes the crate's files"
    );
    if std::env::var_os("GUIDE_UPDATE").is_some() {
        std::fs::write(&path, rendered).unwrap();
        return;
    }
    assert!(
        stale.is_empty(),
        "docs/guide/first-plugin.md shows an old version of {stale:?}; run `GUIDE_UPDATE=1 cargo test -p example-bookmarks-plugin --test guide` and review the diff"
    );
}
