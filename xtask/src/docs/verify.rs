//! Checks of the generated markdown before anything is written: every relative link points to a generated file
//! and every table row has as many cells as its header.

use std::collections::BTreeMap;

use anyhow::{Result, bail};

/// Fails listing every broken link and malformed table row in `files`.
pub(crate) fn verify(files: &BTreeMap<String, String>) -> Result<()> {
    let mut problems = Vec::new();
    for (name, text) in files {
        let mut in_code = false;
        let mut columns: Option<usize> = None;
        for (number, line) in text.lines().enumerate() {
            let at = format!("{name}:{}", number + 1);
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                continue;
            }
            if in_code {
                continue;
            }
            // Tables the generator writes start `|  `; tables inside doc comments are the authors' markdown.
            if line.starts_with("|  ") {
                let cells = line.matches('|').count() - 1;
                match columns {
                    None => columns = Some(cells),
                    Some(expected) if expected != cells => problems.push(format!(
                        "{at}: table row has {cells} cells, the header {expected}"
                    )),
                    Some(_) => {}
                }
            } else {
                columns = None;
            }
            for target in relative_links(line) {
                let file = target.split('#').next().unwrap_or(target);
                if !files.contains_key(file) {
                    problems.push(format!("{at}: link to ./{target}, which is not generated"));
                }
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    bail!(
        "the generated API docs are malformed (a bug in `cargo xtask docs`):\n  {}",
        problems.join("\n  ")
    )
}

/// Targets of `](./target)` links on a line.
fn relative_links(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("](./") {
        rest = &rest[start + 4..];
        match rest.find(')') {
            Some(end) => {
                out.push(&rest[..end]);
                rest = &rest[end..];
            }
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn links_to_generated_files_and_even_tables_pass() {
        let text = "[A](./a.md)\n\n|  X | Y |\n|  --- | --- |\n|  [A](./a.md) |  |\n";
        verify(&files(&[("a.md", text)])).unwrap();
    }

    #[test]
    fn a_dangling_link_fails_naming_file_and_line() {
        let error = verify(&files(&[("a.md", "one\n[B](./b.md)\n")]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("a.md:2: link to ./b.md"), "{error}");
    }

    #[test]
    fn a_row_with_a_missing_cell_fails() {
        let error = verify(&files(&[("a.md", "|  X | Y |\n|  --- | --- |\n|  x |\n")]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("a.md:3: table row has 1 cells, the header 2"),
            "{error}"
        );
    }

    #[test]
    fn links_inside_code_blocks_are_not_checked() {
        verify(&files(&[("a.md", "```rust\nlet x = a[0](./b);\n```\n")])).unwrap();
    }
}
