//! Markdown handling for doc comments: intra-doc links to pages, headings nested under the page heading, doc-test
//! blocks shown as rustdoc shows them, first sentences for tables, and API Documenter's escaping in table cells.

use std::collections::HashMap;

use super::sig::Seg;

/// Rewrites intra-doc links (`[`Name`]`, `[text](path::Name)`, `[text][ref]`) to page links; a link whose target
/// has no page keeps only its text. `keys` maps each key of the item's rustdoc `links` table to its page file.
pub(crate) fn rewrite_links(docs: &str, keys: &HashMap<String, Option<String>>) -> String {
    // Reference definitions (`[ref]: path::Name`) whose target is an intra-doc link are folded into the links.
    let mut references: HashMap<String, String> = HashMap::new();
    let mut kept_lines = Vec::new();
    for_each_line(docs, |line, in_code| {
        if !in_code
            && let Some((label, dest)) = reference_definition(line)
            && keys.contains_key(dest)
        {
            references.insert(label.to_owned(), dest.to_owned());
            return;
        }
        kept_lines.push((line.to_owned(), in_code));
    });
    let lookup = |key: &str| -> Option<Option<String>> {
        keys.get(key)
            .or_else(|| references.get(key).and_then(|dest| keys.get(dest)))
            .cloned()
    };
    let mut out = String::new();
    for (line, in_code) in kept_lines {
        if in_code {
            out.push_str(&line);
        } else {
            out.push_str(&rewrite_line(&line, &lookup));
        }
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out
}

fn reference_definition(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix('[')?;
    let (label, rest) = rest.split_once("]:")?;
    Some((label, rest.trim()))
}

fn rewrite_line(line: &str, lookup: &dyn Fn(&str) -> Option<Option<String>>) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '`' => {
                let end = code_span_end(&chars, i);
                out.extend(&chars[i..end]);
                i = end;
            }
            '[' => {
                let Some(close) = matching(&chars, i, '[', ']') else {
                    out.push('[');
                    i += 1;
                    continue;
                };
                let label: String = chars[i + 1..close].iter().collect();
                let label_out = rewrite_line(&label, lookup);
                let next = chars.get(close + 1).copied();
                let (dest, end) = match next {
                    Some('(') => match matching(&chars, close + 1, '(', ')') {
                        Some(end) => (
                            Some(chars[close + 2..end].iter().collect::<String>()),
                            end + 1,
                        ),
                        None => (None, close + 1),
                    },
                    Some('[') => match matching(&chars, close + 1, '[', ']') {
                        Some(end) => (
                            Some(chars[close + 2..end].iter().collect::<String>()),
                            end + 1,
                        ),
                        None => (None, close + 1),
                    },
                    _ => (None, close + 1),
                };
                let key = dest.clone().unwrap_or_else(|| label.clone());
                match lookup(key.trim()) {
                    Some(Some(file)) => out.push_str(&format!("[{label_out}](./{file})")),
                    Some(None) => out.push_str(&label_out),
                    None => {
                        // Not an intra-doc link: an ordinary markdown link or bracketed text.
                        out.push('[');
                        out.push_str(&label_out);
                        out.push(']');
                        out.extend(&chars[close + 1..end]);
                    }
                }
                i = end;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The index just past the code span that starts at `start` (a run of backticks), or past the run when unclosed.
fn code_span_end(chars: &[char], start: usize) -> usize {
    let run = chars[start..].iter().take_while(|&&c| c == '`').count();
    let mut i = start + run;
    while i < chars.len() {
        if chars[i] == '`' {
            let closing = chars[i..].iter().take_while(|&&c| c == '`').count();
            if closing == run {
                return i + closing;
            }
            i += closing;
        } else {
            i += 1;
        }
    }
    start + run
}

/// The index of the bracket closing the one at `open`, skipping code spans.
fn matching(chars: &[char], open: usize, left: char, right: char) -> Option<usize> {
    let mut depth = 0;
    let mut i = open;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            i = code_span_end(chars, i);
            continue;
        }
        if c == left {
            depth += 1;
        } else if c == right {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

/// Calls `each(line, in_code)` for every line; fence lines count as code.
fn for_each_line(text: &str, mut each: impl FnMut(&str, bool)) {
    let mut fence: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match &fence {
            Some(open) => {
                if trimmed.starts_with(open.as_str())
                    && trimmed.trim_start_matches(open.as_str()).trim().is_empty()
                {
                    fence = None;
                }
                each(line, true);
            }
            None => {
                if let Some(open) = fence_marker(trimmed) {
                    fence = Some(open);
                    each(line, true);
                } else {
                    each(line, false);
                }
            }
        }
    }
}

fn fence_marker(trimmed: &str) -> Option<String> {
    for mark in ['`', '~'] {
        let run = trimmed.chars().take_while(|&c| c == mark).count();
        if run >= 3 {
            return Some(std::iter::repeat_n(mark, run).collect());
        }
    }
    None
}

/// Prepares doc text for a page: headings nested two levels below the page's `##` heading, and rust code blocks
/// shown as rustdoc shows them (hidden `# ` lines dropped, fence labelled `rust`).
pub(crate) fn page_doc(docs: &str) -> String {
    let mut out = Vec::new();
    let mut fence: Option<(String, bool)> = None;
    for line in docs.lines() {
        let trimmed = line.trim_start();
        if let Some((open, is_rust)) = &fence {
            if trimmed.starts_with(open.as_str())
                && trimmed.trim_start_matches(open.as_str()).trim().is_empty()
            {
                out.push(line.to_owned());
                fence = None;
                continue;
            }
            if *is_rust {
                if trimmed == "#" || trimmed.starts_with("# ") {
                    continue;
                }
                if let Some(rest) = trimmed.strip_prefix("##") {
                    out.push(format!("{}#{rest}", &line[..line.len() - trimmed.len()]));
                    continue;
                }
            }
            out.push(line.to_owned());
            continue;
        }
        if let Some(open) = fence_marker(trimmed) {
            let info = trimmed[open.len()..].trim();
            let is_rust = is_rust_info(info);
            let indent = &line[..line.len() - trimmed.len()];
            out.push(if is_rust {
                format!("{indent}{open}rust")
            } else {
                line.to_owned()
            });
            fence = Some((open, is_rust));
            continue;
        }
        if trimmed.starts_with('#') && line == trimmed {
            let level = trimmed.chars().take_while(|&c| c == '#').count();
            if level <= 6 && trimmed[level..].starts_with(' ') {
                out.push(format!("##{trimmed}"));
                continue;
            }
        }
        out.push(line.to_owned());
    }
    out.join("\n")
}

fn is_rust_info(info: &str) -> bool {
    info.split([',', ' '])
        .filter(|word| !word.is_empty())
        .all(|word| {
            matches!(
                word,
                "rust"
                    | "ignore"
                    | "no_run"
                    | "should_panic"
                    | "compile_fail"
                    | "test_harness"
                    | "standalone_crate"
            ) || word.starts_with("edition")
                || word.starts_with("ignore-")
        })
}

/// The first sentence of the first paragraph, on one line (markdown kept).
pub(crate) fn first_sentence(docs: &str) -> String {
    let mut paragraph = Vec::new();
    for line in docs.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if paragraph.is_empty() {
                continue;
            }
            break;
        }
        if paragraph.is_empty() && heading_title(trimmed).is_some() {
            // A title above the first paragraph (`# core-plugins`) is not the summary.
            continue;
        }
        if paragraph.is_empty() && fence_marker(trimmed).is_some() {
            break;
        }
        paragraph.push(trimmed);
    }
    let text = paragraph.join(" ");
    let chars: Vec<char> = text.chars().collect();
    let mut depth = 0i32;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '`' => {
                i = code_span_end(&chars, i);
                continue;
            }
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            '.' if depth <= 0
                && chars.get(i + 1).is_none_or(|c| c.is_whitespace())
                && !ends_with_abbreviation(&chars[..i]) =>
            {
                return chars[..=i].iter().collect();
            }
            _ => {}
        }
        i += 1;
    }
    text
}

/// Whether the text before a `.` is an abbreviation that does not end a sentence (`e.g.`, `i.e.`, `vs.`).
fn ends_with_abbreviation(before: &[char]) -> bool {
    let word: String = before
        .iter()
        .rev()
        .take_while(|c| !c.is_whitespace() && **c != '(')
        .collect();
    let word: String = word.chars().rev().collect::<String>().to_lowercase();
    matches!(word.as_str(), "e.g" | "i.e" | "vs" | "cf")
}

/// Inline markdown turned into a table cell as API Documenter writes it: code spans as `<code>`, `|` as
/// `&#124;`, angle brackets as entities; links are kept.
pub(crate) fn cell(markdown: &str) -> String {
    let chars: Vec<char> = markdown.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '`' => {
                let end = code_span_end(&chars, i);
                let run = chars[i..].iter().take_while(|&&c| c == '`').count();
                if end == i + run {
                    out.push_str(&escape_code(&"`".repeat(run)));
                } else {
                    let inner: String = chars[i + run..end - run].iter().collect();
                    out.push_str(&format!("<code>{}</code>", escape_code(inner.trim())));
                }
                i = end;
            }
            '[' => match matching(&chars, i, '[', ']') {
                Some(close) if chars.get(close + 1) == Some(&'(') => {
                    match matching(&chars, close + 1, '(', ')') {
                        Some(end) => {
                            let label: String = chars[i + 1..close].iter().collect();
                            let dest: String = chars[close + 2..end].iter().collect();
                            out.push_str(&format!(
                                "[{}]({})",
                                cell(&label),
                                dest.replace('|', "%7C")
                            ));
                            i = end + 1;
                        }
                        None => {
                            out.push('[');
                            i += 1;
                        }
                    }
                }
                _ => {
                    out.push('[');
                    i += 1;
                }
            },
            '|' => {
                out.push_str("&#124;");
                i += 1;
            }
            '<' => {
                out.push_str("&lt;");
                i += 1;
            }
            '>' => {
                out.push_str("&gt;");
                i += 1;
            }
            '\n' | '\r' => {
                out.push(' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Text for inside `<code>` in a table cell.
pub(crate) fn escape_code(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '\\' | '*' | '_' | '[' | ']' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A type as a table cell: code for the text, links for our items.
pub(crate) fn type_cell(segs: &[Seg]) -> String {
    segs.iter()
        .map(|seg| match seg {
            Seg::Text(text) => format!("<code>{}</code>", escape_code(text)),
            Seg::Link { text, file } => format!("[{text}](./{file})"),
        })
        .collect()
}

/// One table: header cells and rows, in API Documenter's layout.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("|  {} |\n", header.join(" | "));
    out.push_str(&format!("|  {} |\n", vec!["---"; header.len()].join(" | ")));
    for row in rows {
        out.push_str(&format!("|  {} |\n", row.join(" | ")));
    }
    out
}

/// A parameter described in the docs' `# Arguments` (or `# Parameters`) list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArgumentDoc {
    pub(crate) name: String,
    pub(crate) description: String,
}

/// Splits the `# Arguments` section out of the docs: its list items (`* `name` - text`) and the docs without it.
/// When the section has no such items, the docs are returned unchanged.
pub(crate) fn split_arguments(docs: &str) -> (Vec<ArgumentDoc>, String) {
    let mut arguments: Vec<ArgumentDoc> = Vec::new();
    let mut kept = Vec::new();
    let mut section = Vec::new();
    let mut in_section = false;
    for_each_line(docs, |line, in_code| {
        let trimmed = line.trim();
        if !in_code && let Some(title) = heading_title(trimmed) {
            in_section = matches!(
                title.to_ascii_lowercase().as_str(),
                "arguments" | "parameters"
            );
            if in_section {
                section.push(line.to_owned());
                return;
            }
        }
        if !in_section {
            kept.push(line.to_owned());
            return;
        }
        section.push(line.to_owned());
        if in_code {
            return;
        }
        if let Some(item) = trimmed
            .strip_prefix("* ")
            .or_else(|| trimmed.strip_prefix("- "))
        {
            if let Some(argument) = argument_item(item) {
                arguments.push(argument);
            }
        } else if !trimmed.is_empty()
            && let Some(last) = arguments.last_mut()
        {
            last.description.push(' ');
            last.description.push_str(trimmed);
        }
    });
    if arguments.is_empty() {
        return (Vec::new(), docs.to_owned());
    }
    let mut rest = kept.join("\n");
    rest.truncate(rest.trim_end().len());
    (arguments, rest)
}

/// Lines of the `# Arguments` (or `# Parameters`) section that are neither list items nor their continuation lines:
/// a code block, or a paragraph after a blank line. The section runs to the next heading, so [`split_arguments`]
/// would drop them from the page.
pub(crate) fn stray_argument_lines(docs: &str) -> Vec<String> {
    let mut stray = Vec::new();
    let mut in_section = false;
    // Whether the last line was a list item or its continuation (a continuation may follow).
    let mut in_item = false;
    for_each_line(docs, |line, in_code| {
        let trimmed = line.trim();
        if !in_code && let Some(title) = heading_title(trimmed) {
            in_section = matches!(
                title.to_ascii_lowercase().as_str(),
                "arguments" | "parameters"
            );
            in_item = false;
            return;
        }
        if !in_section {
            return;
        }
        if in_code {
            stray.push(line.to_owned());
        } else if trimmed.is_empty() {
            in_item = false;
        } else if trimmed.starts_with("* ") || trimmed.starts_with("- ") {
            in_item = true;
        } else if !in_item {
            stray.push(line.to_owned());
        }
    });
    stray
}

fn heading_title(trimmed: &str) -> Option<&str> {
    let level = trimmed.chars().take_while(|&c| c == '#').count();
    if (1..=6).contains(&level) && trimmed[level..].starts_with(' ') {
        Some(trimmed[level..].trim())
    } else {
        None
    }
}

fn argument_item(item: &str) -> Option<ArgumentDoc> {
    let item = item.trim();
    let (name, rest) = if let Some(rest) = item.strip_prefix('`') {
        let (name, rest) = rest.split_once('`')?;
        (name.trim().to_owned(), rest)
    } else {
        let end = item.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
        (item[..end].to_owned(), &item[end..])
    };
    let rest = rest.trim_start();
    let description = ["-", ":", "—", "–"]
        .iter()
        .find_map(|sep| rest.strip_prefix(sep))
        .unwrap_or(rest)
        .trim()
        .to_owned();
    let name = name.split(':').next().unwrap_or(&name).trim().to_owned();
    (!name.is_empty()).then_some(ArgumentDoc { name, description })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(pairs: &[(&str, Option<&str>)]) -> HashMap<String, Option<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_owned)))
            .collect()
    }

    #[test]
    fn intra_doc_links_become_page_links_or_text() {
        let keys = keys(&[
            ("`Logger`", Some("core-logging.logger.md")),
            ("`String`", None),
            ("Logger::warn", Some("w.md")),
        ]);
        let docs = "Use [`Logger`] or [`String`], see [warn](Logger::warn), [site](https://example.com) and `[x]`.";
        assert_eq!(
            rewrite_links(docs, &keys),
            "Use [`Logger`](./core-logging.logger.md) or `String`, see [warn](./w.md), [site](https://example.com) and `[x]`."
        );
    }

    #[test]
    fn reference_style_links_are_folded() {
        let keys = keys(&[("crate::Logger", Some("l.md"))]);
        let docs = "See [the logger][log].\n\n[log]: crate::Logger";
        assert_eq!(rewrite_links(docs, &keys), "See [the logger](./l.md).");
    }

    #[test]
    fn links_inside_code_blocks_are_untouched() {
        let keys = keys(&[("x", Some("x.md"))]);
        assert_eq!(
            rewrite_links("```\nlet a = [x];\n```", &keys),
            "```\nlet a = [x];\n```"
        );
    }

    #[test]
    fn doc_tests_hide_setup_lines_and_headings_nest() {
        let docs = "# Examples\n\n```\n# use a::b;\nlet x = 1;\n## not hidden\n```\n\n```text\n# kept\n```";
        assert_eq!(
            page_doc(docs),
            "### Examples\n\n```rust\nlet x = 1;\n# not hidden\n```\n\n```text\n# kept\n```"
        );
    }

    #[test]
    fn first_sentence_ignores_dots_in_code_and_links() {
        assert_eq!(
            first_sentence("Reads `a.b` from [x](./p.x.md) now. More text."),
            "Reads `a.b` from [x](./p.x.md) now."
        );
        assert_eq!(first_sentence("No period\nat all"), "No period at all");
        assert_eq!(
            first_sentence("# Title\n\nThe summary. More."),
            "The summary."
        );
        assert_eq!(
            first_sentence("A name, e.g. `GET`, i.e. upper case. Then."),
            "A name, e.g. `GET`, i.e. upper case."
        );
    }

    #[test]
    fn cells_escape_like_api_documenter() {
        assert_eq!(
            cell("A `Vec<T>` or a | b <c>"),
            "A <code>Vec&lt;T&gt;</code> or a &#124; b &lt;c&gt;"
        );
        assert_eq!(cell("[`Logger`](./l.md)"), "[<code>Logger</code>](./l.md)");
    }

    #[test]
    fn argument_sections_become_parameters() {
        let docs = "Does it.\n\n# Arguments\n\n* `name` - whom to greet,\n  in full.\n* `strict`: fail fast.\n\n# Errors\n\nWhen.";
        let (arguments, rest) = split_arguments(docs);
        assert_eq!(
            arguments,
            vec![
                ArgumentDoc {
                    name: "name".into(),
                    description: "whom to greet, in full.".into()
                },
                ArgumentDoc {
                    name: "strict".into(),
                    description: "fail fast.".into()
                },
            ]
        );
        assert_eq!(rest, "Does it.\n\n# Errors\n\nWhen.");
    }

    #[test]
    fn code_and_paragraphs_inside_an_argument_section_are_stray() {
        let clean = "Does it.\n\n# Arguments\n\n* `name` - whom,\n  in full.\n\n* `b` - more.\n\n# Examples\n\n```\nx();\n```";
        assert!(stray_argument_lines(clean).is_empty());
        let docs = "Does it.\n\n# Arguments\n\n* `name` - whom.\n\nA paragraph.\n\n```\nx();\n```";
        assert_eq!(
            stray_argument_lines(docs),
            vec!["A paragraph.", "```", "x();", "```"]
        );
        assert!(stray_argument_lines("```\n# Arguments\nx\n```").is_empty());
    }

    #[test]
    fn tables_have_one_cell_per_column() {
        let rows = vec![vec!["a".to_owned(), String::new()]];
        assert_eq!(
            table(&["X", "Y"], &rows),
            "|  X | Y |\n|  --- | --- |\n|  a |  |\n"
        );
    }
}
