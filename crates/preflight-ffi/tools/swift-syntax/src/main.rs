//! `swift-syntax-check FILE...`: parses each Swift file with tree-sitter's Swift grammar and
//! prints every ERROR or MISSING node (line:column and the source line); exits 1 if any file has
//! one. No swiftc on Linux: this catches syntax errors in generated and hand-written Swift.

use std::process::ExitCode;
use tree_sitter::{Node, Parser};

fn problems(node: Node<'_>, out: &mut Vec<(usize, usize, &'static str)>) {
    if node.is_error() || node.is_missing() {
        let p = node.start_position();
        out.push((
            p.row + 1,
            p.column + 1,
            if node.is_missing() {
                "missing"
            } else {
                "error"
            },
        ));
        return;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if child.has_error() || child.is_missing() {
            problems(child, out);
        }
    }
}

/// Valid Swift the grammar (tree-sitter-swift 0.7) does not parse, each replaced by a stand-in
/// of the same length (so reported positions stay right) before parsing: uniffi emits
/// `@_documentation(visibility: private)` (Swift 5.8+) on its internal helpers, and `{ () }`
/// (a closure returning the empty tuple) in its async callbacks.
const GRAMMAR_GAPS: [(&str, &str); 2] = [
    (
        "@_documentation(visibility: private)",
        "                                    ",
    ),
    ("{ () }", "{ 0  }"),
];

fn blank_gaps(source: &str) -> String {
    let mut out = source.to_string();
    for (gap, stand_in) in GRAMMAR_GAPS {
        out = out.replace(gap, stand_in);
    }
    out
}

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: swift-syntax-check FILE.swift...");
        return ExitCode::from(2);
    }
    let mut parser = Parser::new();
    if let Err(e) = parser.set_language(&tree_sitter_swift::LANGUAGE.into()) {
        eprintln!("swift grammar: {e}");
        return ExitCode::from(2);
    }
    let mut bad = 0;
    for file in &files {
        let Ok(source) = std::fs::read_to_string(file).map(|s| blank_gaps(&s)) else {
            eprintln!("{file}: cannot read");
            bad += 1;
            continue;
        };
        let Some(tree) = parser.parse(&source, None) else {
            eprintln!("{file}: parser gave up");
            bad += 1;
            continue;
        };
        let mut found = Vec::new();
        problems(tree.root_node(), &mut found);
        for (line, col, kind) in &found {
            let text = source.lines().nth(line - 1).unwrap_or("");
            eprintln!("{file}:{line}:{col}: syntax {kind}: {}", text.trim());
        }
        if found.is_empty() {
            println!("{file}: ok ({} lines)", source.lines().count());
        } else {
            bad += 1;
        }
    }
    if bad > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
