//! HTML pages as text: one line per block, and a depth check that keeps conversion time linear.

/// Deepest HTML nesting precis converts. Real pages nest a few dozen elements; the converter's time
/// grows with the square of the depth (a megabyte of unclosed `<div>`s took minutes).
pub const MAX_HTML_DEPTH: usize = 512;

/// Elements that never hold children, and those a parser closes implicitly when a sibling starts:
/// neither deepens the tree, whatever the markup says.
const FLAT_ELEMENTS: [&str; 22] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "p",
    "li", "dt", "dd", "tr", "td", "th", "option",
];

/// The deepest nesting of open elements in `html`, by one scan over its tags (not a parse: it may
/// overestimate sloppy markup, which is the safe side for a limit far above real pages).
///
/// ```
/// use precis_text::html_depth;
/// assert_eq!(html_depth("<div><p>One<p>Two<br></div><div><b>x</b></div>"), 2);
/// assert_eq!(html_depth(&"<div>".repeat(1000)), 1000);
/// ```
pub fn html_depth(html: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let bytes = html.as_bytes();
    let mut at = 0;
    while let Some(open) = bytes[at..].iter().position(|&b| b == b'<') {
        let tag_start = at + open + 1;
        let tag_end = bytes[tag_start..].iter().position(|&b| b == b'>').map_or(bytes.len(), |i| tag_start + i);
        let tag = &html[tag_start..tag_end];
        at = (tag_end + 1).min(bytes.len());
        let (closing, tag) = match tag.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, tag),
        };
        let name_len = tag.find(|c: char| c.is_ascii_whitespace() || c == '/').unwrap_or(tag.len());
        let name = tag[..name_len].to_ascii_lowercase();
        let flat = FLAT_ELEMENTS.contains(&name.as_str()) || name.is_empty();
        if flat || name.starts_with(['!', '?']) || tag.ends_with('/') {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Plain text of an HTML page, one block (paragraph, heading, list item) per line.
pub fn html_to_text(html: &str) -> String {
    // A very wide wrap width: blocks must stay on one line, since cleaning works line by line.
    let text = html2text::config::plain_no_decorate()
        .string_from_read(html.as_bytes(), 1 << 20)
        .unwrap_or_else(|_| String::new());
    // html2text marks headings Markdown-style ("# Title"); the marker is not part of the text.
    text.lines().map(strip_heading_marker).collect::<Vec<_>>().join("\n")
}

/// The page's headline: its first `<h1>`, else its `<title>` (which often carries the site's
/// name too), as plain text.
///
/// ```
/// let page = "<html><head><title>Vote | City Herald</title></head><body><h1>Council &amp; Mayor Agree</h1></body></html>";
/// assert_eq!(precis_text::html_title(page).as_deref(), Some("Council & Mayor Agree"));
/// ```
pub fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    ["h1", "title"].into_iter().find_map(|tag| {
        let open = lower.find(&format!("<{tag}"))?;
        let start = open + lower[open..].find('>')? + 1;
        let end = start + lower[start..].find(&format!("</{tag}"))?;
        let text = html_to_text(&html[start..end]);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        (!text.is_empty()).then_some(text)
    })
}

fn strip_heading_marker(line: &str) -> &str {
    let hashes = line.len() - line.trim_start_matches('#').len();
    match line[hashes..].strip_prefix(' ') {
        Some(rest) if (1..=6).contains(&hashes) => rest,
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_one_line_per_block() {
        let text = html_to_text(
            "<html><body><h1>Title here</h1><p>First <b>bold</b> paragraph, long enough to wrap at eighty columns if the converter wrapped it.</p><ul><li>Item</li></ul></body></html>",
        );
        let lines: Vec<_> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines[0], "Title here");
        assert!(lines[1].starts_with("First bold paragraph") && lines[1].ends_with("wrapped it."));
    }
}
