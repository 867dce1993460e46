//! Markdown handling for doc comments: intra-doc links to pages, headings nested under the page heading, doc-test
//! blocks shown as rustdoc shows them, first sentences for tables, and API Documenter's escaping in table cells.
//!
//! Doc comments are parsed as CommonMark by pulldown-cmark, with the extensions rustdoc enables, so code spans,
//! links and code blocks are found as rustdoc finds them, also when they wrap across lines. Output is made by
//! splicing: the parser's events carry byte ranges into the doc text, and only the ranges that change (a link, a
//! heading marker, a fence's info string, a hidden doc-test line, a code span in a table cell) are replaced while
//! everything else is copied as the author wrote it. Rendering the event stream back to markdown (as
//! pulldown-cmark-to-cmark does) would normalise the whole text instead: list markers, escapes, emphasis markers
//! and line wrapping, on every page.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{
    BrokenLink, CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd,
};

use super::sig::Seg;

/// The markdown extensions rustdoc parses doc comments with (smart punctuation left out: it only changes text,
/// which is copied from the source here).
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// The events of `text` with their byte ranges.
fn events(text: &str) -> Vec<(Event<'_>, Range<usize>)> {
    Parser::new_ext(text, options())
        .into_offset_iter()
        .collect()
}

/// `text` with each range replaced by its text; ranges are sorted by start and do not overlap.
fn splice(text: &str, edits: &[(Range<usize>, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (range, replacement) in edits {
        out.push_str(&text[copied..range.start]);
        out.push_str(replacement);
        copied = range.end;
    }
    out.push_str(&text[copied..]);
    out
}

/// The byte offset where the line holding `at` starts.
fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The byte offset just past the line holding `at` (past its newline, or the end of the text).
fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// The lines of `text`, trimmed, without empty ones, joined by single spaces.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A link found in the text: the whole link, its label's text, and its destination as parsed.
struct LinkSpan<'a> {
    range: Range<usize>,
    label: Range<usize>,
    link_type: LinkType,
    dest: CowStr<'a>,
}

/// Every link of the event stream, with the range of its label: from just past `[` to the `]` after the label's
/// last event.
fn links<'a>(text: &str, events: &[(Event<'a>, Range<usize>)]) -> Vec<LinkSpan<'a>> {
    let mut found = Vec::new();
    let mut open: Option<(LinkSpan<'a>, usize)> = None;
    for (event, range) in events {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                ..
            }) if open.is_none() => {
                let label = range.start + 1..range.start + 1;
                open = Some((
                    LinkSpan {
                        range: range.clone(),
                        label,
                        link_type: *link_type,
                        dest: dest_url.clone(),
                    },
                    range.start + 1,
                ));
            }
            Event::End(TagEnd::Link) => {
                if let Some((mut link, content_end)) = open.take() {
                    let close = text[content_end..link.range.end]
                        .find(']')
                        .map_or(content_end, |i| content_end + i);
                    link.label.end = close;
                    found.push(link);
                }
            }
            _ => {
                if let Some((_, content_end)) = &mut open {
                    *content_end = (*content_end).max(range.end);
                }
            }
        }
    }
    found
}

/// Rewrites intra-doc links (`[`Name`]`, `[text](path::Name)`, `[text][ref]`) to page links; a link whose target
/// has no page keeps only its text. `keys` maps each key of the item's rustdoc `links` table to its page file.
pub(crate) fn rewrite_links(docs: &str, keys: &HashMap<String, Option<String>>) -> String {
    // Rustdoc reads a `[label]` with no reference definition as an intra-doc link whose key is the label: the
    // broken-link callback turns it into a link to itself.
    let callback = |link: BrokenLink<'_>| Some((link.reference.to_string().into(), "".into()));
    let parser = Parser::new_with_broken_link_callback(docs, options(), Some(callback));
    let lookup = |key: &str| -> Option<&Option<String>> {
        let key = key.trim();
        keys.get(key).or_else(|| {
            let collapsed = key.split_whitespace().collect::<Vec<_>>().join(" ");
            keys.get(&collapsed)
        })
    };
    // Reference definitions (`[ref]: path::Name`) whose target is an intra-doc link are folded into the links.
    let mut edits: Vec<(Range<usize>, String)> = parser
        .reference_definitions()
        .iter()
        .filter(|(_, def)| lookup(&def.dest).is_some())
        .map(|(_, def)| {
            // The definition's whole lines, with the newline that ends them.
            let end = if docs[..def.span.end].ends_with('\n') {
                def.span.end
            } else {
                line_end(docs, def.span.end)
            };
            (line_start(docs, def.span.start)..end, String::new())
        })
        .collect();
    let events: Vec<_> = parser.into_offset_iter().collect();
    for link in links(docs, &events) {
        if matches!(
            link.link_type,
            LinkType::Autolink | LinkType::Email | LinkType::WikiLink { .. }
        ) {
            continue;
        }
        let label = &docs[link.label.clone()];
        match lookup(&link.dest) {
            Some(Some(file)) => edits.push((link.range, format!("[{label}](./{file})"))),
            Some(None) => edits.push((link.range, label.to_owned())),
            // Not an intra-doc link: an ordinary markdown link.
            None => {}
        }
    }
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = splice(docs, &edits);
    out.truncate(out.trim_end().len());
    out
}

/// Prepares doc text for a page: headings nested two levels below the page's `##` heading, and rust code blocks
/// shown as rustdoc shows them (hidden `# ` lines dropped, fence labelled `rust`).
pub(crate) fn page_doc(docs: &str) -> String {
    let events = events(docs);
    let mut edits = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let (event, range) = &events[i];
        i += 1;
        match event {
            // ATX headings that start a line; a setext heading or one inside a list keeps its level.
            Event::Start(Tag::Heading { .. })
                if docs[range.start..].starts_with('#')
                    && line_start(docs, range.start) == range.start =>
            {
                edits.push((range.start..range.start, "##".to_owned()));
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if is_rust_info(info) => {
                // The body's text, without the prefixes of the containers (list items, block quotes) it is in.
                let mut body = Vec::new();
                while let Some((event, inner)) = events.get(i) {
                    i += 1;
                    match event {
                        Event::Text(_) => body.push(inner.clone()),
                        Event::End(TagEnd::CodeBlock) => break,
                        _ => {}
                    }
                }
                doc_test_edits(docs, range, &body, &mut edits);
            }
            _ => {}
        }
    }
    edits.sort_by_key(|(range, _)| range.start);
    splice(docs, &edits)
}

/// The edits showing the doc test at `block` as rustdoc does: the fence's info string becomes `rust`, `# ` lines
/// are dropped and `##` lines lose one `#`. `body` holds the ranges of the block's text.
fn doc_test_edits(
    docs: &str,
    block: &Range<usize>,
    body: &[Range<usize>],
    edits: &mut Vec<(Range<usize>, String)>,
) {
    let opening_end = line_end(docs, block.start);
    let opening = &docs[block.start..opening_end];
    // The fence is the first run of backticks or tildes on the opening line; the info string follows it.
    if let Some(fence_start) = opening.find(['`', '~']) {
        let mark = &opening[fence_start..fence_start + 1];
        let fence_end = fence_start
            + (opening[fence_start..].len()
                - opening[fence_start..].trim_start_matches(mark).len());
        let info = block.start + fence_end..block.start + opening.trim_end().len().max(fence_end);
        if &docs[info.clone()] != "rust" {
            edits.push((info, "rust".to_owned()));
        }
    }
    for text in body {
        // A text range starts inside its first line (past the containers' prefixes); its other lines start at
        // the beginning of theirs.
        let mut at = text.start;
        while at < text.end {
            let end = line_end(docs, at);
            let line = &docs[at..end];
            let trimmed = line.trim_start();
            let content = trimmed.trim_end_matches(['\n', '\r']);
            if content == "#" || content.starts_with("# ") {
                edits.push((line_start(docs, at)..end, String::new()));
            } else if content.starts_with("##") {
                let hash = at + (line.len() - trimmed.len());
                edits.push((hash..hash + 1, String::new()));
            }
            at = end;
        }
    }
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
    let events = events(docs);
    // The first top-level block that is not a heading: a title above the first paragraph (`# core-plugins`) is not
    // the summary, and a code block has none.
    let mut depth = 0;
    let mut block = None;
    for (index, (event, range)) in events.iter().enumerate() {
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    match tag {
                        Tag::Heading { .. } => {}
                        Tag::CodeBlock(_) => return String::new(),
                        _ => {
                            block = Some((index, range.clone()));
                            break;
                        }
                    }
                }
                depth += 1;
            }
            Event::End(_) => depth -= 1,
            _ => {}
        }
    }
    let Some((first, block)) = block else {
        return String::new();
    };
    let end = sentence_end(docs, &events[first + 1..], &block).unwrap_or(block.end);
    one_line(&docs[block.start..end])
}

/// The offset just past the `.` that ends the first sentence of `block`, found in its text outside links, code and
/// brackets, and not after an abbreviation.
fn sentence_end(
    docs: &str,
    events: &[(Event<'_>, Range<usize>)],
    block: &Range<usize>,
) -> Option<usize> {
    let mut links = 0;
    let mut brackets = 0i32;
    for (event, range) in events {
        if range.start >= block.end {
            break;
        }
        match event {
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => links += 1,
            Event::End(TagEnd::Link | TagEnd::Image) => links -= 1,
            Event::Text(_) if links == 0 => {
                for (offset, c) in docs[range.clone()].char_indices() {
                    let at = range.start + offset;
                    match c {
                        '[' | '(' => brackets += 1,
                        ']' | ')' => brackets -= 1,
                        '.' if brackets <= 0
                            && docs[at + 1..block.end]
                                .chars()
                                .next()
                                .is_none_or(char::is_whitespace)
                            && !ends_with_abbreviation(&docs[block.start..at]) =>
                        {
                            return Some(at + 1);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether the text before a `.` is an abbreviation that does not end a sentence (`e.g.`, `i.e.`, `vs.`).
fn ends_with_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .to_lowercase();
    matches!(word.as_str(), "e.g" | "i.e" | "vs" | "cf")
}

/// Inline markdown turned into a table cell as API Documenter writes it: code spans as `<code>`, `|` as
/// `&#124;`, angle brackets as entities; links are kept.
pub(crate) fn cell(markdown: &str) -> String {
    let events = events(markdown);
    let mut edits = Vec::new();
    let links = links(markdown, &events);
    let mut inline_links = links
        .iter()
        .filter(|link| link.link_type == LinkType::Inline)
        .peekable();
    for (event, range) in &events {
        while inline_links
            .peek()
            .is_some_and(|link| link.range.end <= range.start)
        {
            inline_links.next();
        }
        if inline_links
            .peek()
            .is_some_and(|link| link.range.start <= range.start)
        {
            // Inside a link: the link is written as a whole below.
            continue;
        }
        if let Event::Code(_) = event {
            let span = &markdown[range.clone()];
            let run = span.len() - span.trim_start_matches('`').len();
            let inner = &span[run..span.len() - run];
            edits.push((
                range.clone(),
                format!("<code>{}</code>", escape_code(inner.trim())),
            ));
        }
    }
    for link in links
        .iter()
        .filter(|link| link.link_type == LinkType::Inline)
    {
        let label = &markdown[link.label.clone()];
        let dest = &markdown[link.label.end + 2..link.range.end - 1];
        edits.push((
            link.range.clone(),
            format!("[{}]({})", cell(label), dest.replace('|', "%7C")),
        ));
    }
    edits.sort_by_key(|(range, _)| range.start);
    // The text between the edits gets the escaping; a backtick there opens no code span.
    let mut out = String::new();
    let mut copied = 0;
    for (range, replacement) in &edits {
        out.push_str(&escape_cell_text(&markdown[copied..range.start]));
        out.push_str(replacement);
        copied = range.end;
    }
    out.push_str(&escape_cell_text(&markdown[copied..]));
    out
}

/// Cell text outside code spans and links.
fn escape_cell_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '|' => out.push_str("&#124;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '`' => out.push_str("\\`"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
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

/// An `# Arguments` (or `# Parameters`) section: from its heading to the next heading.
struct ArgumentSection {
    range: Range<usize>,
    /// The source ranges of its list items.
    items: Vec<Range<usize>>,
    /// The source ranges of what is neither a list item's text nor the heading: other blocks, and blocks nested in
    /// an item other than its paragraphs.
    stray: Vec<Range<usize>>,
}

/// Whether the tag is a block (not inline markup).
fn is_block(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::HtmlBlock
            | Tag::List(_)
            | Tag::Item
            | Tag::FootnoteDefinition(_)
            | Tag::Table(_)
            | Tag::DefinitionList
            | Tag::MetadataBlock(_)
    )
}

/// The `# Arguments` (or `# Parameters`) sections of the docs, at any heading level.
fn argument_sections(docs: &str) -> Vec<ArgumentSection> {
    let events = events(docs);
    let mut sections: Vec<ArgumentSection> = Vec::new();
    let mut in_section = false;
    // The tags open at this event.
    let mut stack: Vec<&Tag<'_>> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let (event, range) = &events[i];
        i += 1;
        match event {
            Event::Start(Tag::Heading { .. }) if stack.is_empty() => {
                let mut title = String::new();
                while let Some((event, _)) = events.get(i) {
                    i += 1;
                    match event {
                        Event::Text(text) | Event::Code(text) => title.push_str(text),
                        Event::End(TagEnd::Heading(_)) => break,
                        _ => {}
                    }
                }
                if let Some(section) = sections.last_mut().filter(|_| in_section) {
                    section.range.end = range.start;
                }
                in_section = matches!(
                    title.trim().to_ascii_lowercase().as_str(),
                    "arguments" | "parameters"
                );
                if in_section {
                    sections.push(ArgumentSection {
                        range: range.start..docs.len(),
                        items: Vec::new(),
                        stray: Vec::new(),
                    });
                }
            }
            Event::Start(tag) => {
                if let Some(section) = sections.last_mut().filter(|_| in_section) {
                    match (stack.as_slice(), tag) {
                        ([], Tag::List(_)) => {}
                        ([Tag::List(_)], Tag::Item) => section.items.push(range.clone()),
                        ([Tag::List(_), Tag::Item], Tag::Paragraph) => {}
                        ([] | [Tag::List(_), Tag::Item], tag) if is_block(tag) => {
                            section.stray.push(range.clone());
                        }
                        _ => {}
                    }
                }
                stack.push(tag);
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Html(_) | Event::Rule if stack.is_empty() && in_section => {
                if let Some(section) = sections.last_mut() {
                    section.stray.push(range.clone());
                }
            }
            _ => {}
        }
    }
    sections
}

/// Splits the `# Arguments` section out of the docs: its list items (`* `name` - text`) and the docs without it.
/// When the section has no such items, the docs are returned unchanged.
pub(crate) fn split_arguments(docs: &str) -> (Vec<ArgumentDoc>, String) {
    let sections = argument_sections(docs);
    let arguments: Vec<ArgumentDoc> = sections
        .iter()
        .flat_map(|section| &section.items)
        .filter_map(|item| {
            let text = one_line(&docs[item.clone()]);
            let text = text.split_once(' ').map_or("", |(_marker, rest)| rest);
            argument_item(text)
        })
        .collect();
    if arguments.is_empty() {
        return (Vec::new(), docs.to_owned());
    }
    let edits: Vec<_> = sections
        .iter()
        .map(|section| (section.range.clone(), String::new()))
        .collect();
    let mut rest = splice(docs, &edits);
    rest.truncate(rest.trim_end().len());
    (arguments, rest)
}

/// Lines of the `# Arguments` (or `# Parameters`) section that are not its list items' text: a code block, or a
/// paragraph after the list. The section runs to the next heading, so [`split_arguments`] would drop them from the
/// page.
pub(crate) fn stray_argument_lines(docs: &str) -> Vec<String> {
    argument_sections(docs)
        .iter()
        .flat_map(|section| &section.stray)
        .flat_map(|range| {
            docs[line_start(docs, range.start)..range.end]
                .trim_end_matches(['\n', '\r'])
                .lines()
                .map(str::to_owned)
        })
        .collect()
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
    fn links_after_a_code_span_that_wraps_are_resolved() {
        let keys = keys(&[(
            "`ConfigSchema::validate`",
            Some("core-config.configschema.validate.md"),
        )]);
        let docs = "Deserialization gives types and defaults (`#[serde(default, deny_unknown_fields,\n\
                    rename_all = \"camelCase\")]`); [`ConfigSchema::validate`] adds the checks serde cannot\n\
                    express (ranges, cross-field rules).";
        insta::assert_snapshot!(rewrite_links(docs, &keys), @r#"
        Deserialization gives types and defaults (`#[serde(default, deny_unknown_fields,
        rename_all = "camelCase")]`); [`ConfigSchema::validate`](./core-config.configschema.validate.md) adds the checks serde cannot
        express (ranges, cross-field rules).
        "#);
    }

    #[test]
    fn links_whose_text_wraps_are_resolved() {
        let keys = keys(&[
            ("`ConfigSchema::validate`", Some("v.md")),
            ("ConfigSchema::validate", Some("v.md")),
        ]);
        let docs = "Checked by [the section's\n`validate`](ConfigSchema::validate) and by [what\nit returns](`ConfigSchema::validate`).";
        assert_eq!(
            rewrite_links(docs, &keys),
            "Checked by [the section's\n`validate`](./v.md) and by [what\nit returns](./v.md)."
        );
    }

    #[test]
    fn reference_style_links_are_folded() {
        let keys = keys(&[("crate::Logger", Some("l.md"))]);
        let docs = "See [the logger][log].\n\n[log]: crate::Logger";
        assert_eq!(rewrite_links(docs, &keys), "See [the logger](./l.md).");
        let docs = "See [log].\n\n[log]: crate::Logger \"The logger é\"\n[web]: https://example.com\n\nMore.";
        assert_eq!(
            rewrite_links(docs, &keys),
            "See [log](./l.md).\n\n[web]: https://example.com\n\nMore."
        );
    }

    #[test]
    fn links_inside_code_are_untouched() {
        let keys = keys(&[("x", Some("x.md"))]);
        assert_eq!(
            rewrite_links("```\nlet a = [x];\n```", &keys),
            "```\nlet a = [x];\n```"
        );
        assert_eq!(
            rewrite_links("A `[x]` and a `wrapped\n[x]` span.", &keys),
            "A `[x]` and a `wrapped\n[x]` span."
        );
    }

    #[test]
    fn doc_tests_hide_setup_lines_and_headings_nest() {
        let docs = "# Examples\n\n```\n# use a::b;\nlet x = 1;\n## not hidden\n```\n\n```text\n# kept\n```";
        assert_eq!(
            page_doc(docs),
            "### Examples\n\n```rust\nlet x = 1;\n# not hidden\n```\n\n```text\n# kept\n```"
        );
        let docs =
            "* In a list:\n\n  ```no_run\n  # fn main() {}\n  run();\n  ```\n\n~~~rust\n#\nx\n~~~";
        assert_eq!(
            page_doc(docs),
            "* In a list:\n\n  ```rust\n  run();\n  ```\n\n~~~rust\nx\n~~~"
        );
        assert_eq!(
            page_doc(
                "Text.\n\n   ```\n   # hidden\n   shown();\n   ```\n\n> ```\n> # hidden\n> ```"
            ),
            "Text.\n\n   ```rust\n   shown();\n   ```\n\n> ```rust\n> ```"
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
        assert_eq!(
            first_sentence("Wraps a `code\nspan. with a dot` here. Then."),
            "Wraps a `code span. with a dot` here."
        );
        assert_eq!(first_sentence("```\nx.\n```\n\nText."), "");
    }

    #[test]
    fn cells_escape_like_api_documenter() {
        assert_eq!(
            cell("A `Vec<T>` or a | b <c>"),
            "A <code>Vec&lt;T&gt;</code> or a &#124; b &lt;c&gt;"
        );
        assert_eq!(cell("[`Logger`](./l.md)"), "[<code>Logger</code>](./l.md)");
        assert_eq!(
            cell("An unclosed ` tick, [text] and [a|b](./a.md)"),
            "An unclosed \\` tick, [text] and [a&#124;b](./a.md)"
        );
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
        let unlisted = "Does it.\n\n# Arguments\n\nNone.";
        assert_eq!(split_arguments(unlisted), (Vec::new(), unlisted.to_owned()));
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
        let nested = "# Arguments\n\n* `name` - whom:\n\n  ```\n  x();\n  ```";
        assert_eq!(
            stray_argument_lines(nested),
            vec!["  ```", "  x();", "  ```"]
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
