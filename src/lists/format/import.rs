//! Importers that turn the files policy teams already have into list entries:
//! HMA/ThreatExchange hash lines and CSV/TSV exports. Every invalid row is reported with its
//! line number in [`ImportReport::issues`]; nothing is dropped silently.
//!
//! CSV parsing is hand-written (one record per line, RFC 4180 double quotes inside a line)
//! rather than pulling the `csv` crate into the mobile library for this one tool path: hash
//! exports have no multi-line fields, and the rules fit in a page.

use crate::lists::{HashKind, ListBuilder, ListError};
use serde::Serialize;
use std::io::BufRead;

/// One rejected input row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportIssue {
    /// 1-based line number in the input.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Data rows read (not counting blank lines, comments and the CSV header).
    pub rows: usize,
    /// Entries added to the builder.
    pub added: usize,
    /// Rejected rows, by line number.
    pub issues: Vec<ImportIssue>,
}

impl ImportReport {
    /// `Ok(self)` if no row was rejected, otherwise [`ListError::Import`] with every issue.
    pub fn into_result(self) -> Result<ImportReport, ListError> {
        if self.issues.is_empty() {
            Ok(self)
        } else {
            Err(ListError::Import {
                issues: self.issues,
            })
        }
    }

    fn merge(&mut self, other: ImportReport) {
        self.rows += other.rows;
        self.added += other.added;
        self.issues.extend(other.issues);
    }
}

/// Imports HMA / ThreatExchange hash lines: `pdq <64 hex>`, `<kind> <hex>` for any kind name,
/// or a bare 64-hex PDQ hash. Blank lines and lines starting with `#` are skipped. Every
/// entry gets `source` (registered as an org if given), `label` and `category`.
pub fn import_hma(
    reader: impl BufRead,
    builder: &mut ListBuilder,
    source: Option<&str>,
    label: &str,
    category: &str,
) -> Result<ImportReport, ListError> {
    let orgs = match source {
        Some(name) => 1u64 << builder.add_org(name)?,
        None => 0,
    };
    let mut report = ImportReport::default();
    for (i, line) in reader.lines().enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|e| ListError::io(format!("reading line {line_no}"), e))?;
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        report.rows += 1;
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let parsed = match tokens.as_slice() {
            [hex] => Ok((HashKind::Pdq, *hex)),
            [kind, hex] => HashKind::from_name(kind)
                .map(|k| (k, *hex))
                .ok_or_else(|| format!("unknown hash kind {kind:?}")),
            _ => Err(format!(
                "expected `<kind> <hex>` or a bare PDQ hex, found {} fields",
                tokens.len()
            )),
        };
        let result = parsed.and_then(|(kind, hex)| {
            let bytes = kind.parse_hex(hex).map_err(|e| e.to_string())?;
            builder
                .add(kind, &bytes, orgs, label, category)
                .map_err(|e| e.to_string())
        });
        match result {
            Ok(()) => report.added += 1,
            Err(message) => report.issues.push(ImportIssue {
                line: line_no,
                message,
            }),
        }
    }
    Ok(report)
}

/// Options for [`import_csv`].
#[derive(Debug, Clone)]
pub struct CsvOptions {
    /// Field delimiter: `b','` for CSV, `b'\t'` for TSV.
    pub delimiter: u8,
    /// Kind used when there is no kind column and the hash column is just `hash`.
    pub default_kind: Option<HashKind>,
    /// Source organisation for rows without a source column or with an empty one.
    pub default_source: Option<String>,
    /// Label for rows without one.
    pub default_label: String,
    /// Category for rows without one.
    pub default_category: String,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: b',',
            default_kind: Some(HashKind::Pdq),
            default_source: None,
            default_label: String::new(),
            default_category: String::new(),
        }
    }
}

/// Splits one CSV/TSV line into fields, honouring double quotes (`""` is a literal quote).
fn split_fields(line: &str, delimiter: char) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut in_quotes = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' && field.trim().is_empty() && !was_quoted {
            field.clear();
            in_quotes = true;
            was_quoted = true;
        } else if c == delimiter {
            fields.push(std::mem::take(&mut field));
            was_quoted = false;
        } else {
            field.push(c);
        }
    }
    if in_quotes {
        return Err("unterminated quoted field".into());
    }
    fields.push(field);
    Ok(fields.into_iter().map(|f| f.trim().to_owned()).collect())
}

struct Columns {
    hash: usize,
    hash_kind: Option<HashKind>,
    kind: Option<usize>,
    source: Option<usize>,
    label: Option<usize>,
    category: Option<usize>,
}

fn find_columns(header: &[String], opts: &CsvOptions) -> Result<Columns, String> {
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let (hash, hash_kind) = match find(&["hash", "hash_value", "signal"]) {
        Some(i) => (i, None),
        None => header
            .iter()
            .enumerate()
            .find_map(|(i, h)| HashKind::from_name(h).map(|k| (i, Some(k))))
            .ok_or_else(|| {
                format!("no hash column: expected a column named `hash` or a kind name (pdq, phash, md5, sha1, sha256); header is {header:?}")
            })?,
    };
    let kind = find(&["kind", "type", "hash_type", "signal_type"]);
    if hash_kind.is_none() && kind.is_none() && opts.default_kind.is_none() {
        return Err("no kind column and no default kind".into());
    }
    Ok(Columns {
        hash,
        hash_kind,
        kind,
        source: find(&[
            "source",
            "sources",
            "org",
            "orgs",
            "organisation",
            "organization",
        ]),
        label: find(&["label", "labels", "tag", "tags"]),
        category: find(&["category", "categories", "class"]),
    })
}

/// Imports a CSV/TSV export with a header row. Recognised columns (case-insensitive):
/// the hash (`hash`, or a column named after its kind such as `pdq` or `md5`), optional
/// `kind`/`type`, `source` (several organisations separated by `;` or `|`), `label`,
/// `category`. Unknown columns are ignored.
pub fn import_csv(
    reader: impl BufRead,
    builder: &mut ListBuilder,
    opts: &CsvOptions,
) -> Result<ImportReport, ListError> {
    let delimiter = char::from(opts.delimiter);
    let mut report = ImportReport::default();
    let mut columns: Option<Columns> = None;
    for (i, line) in reader.lines().enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|e| ListError::io(format!("reading line {line_no}"), e))?;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields = match split_fields(&line, delimiter) {
            Ok(f) => f,
            Err(message) => {
                if columns.is_some() {
                    report.rows += 1;
                }
                report.issues.push(ImportIssue {
                    line: line_no,
                    message,
                });
                continue;
            }
        };
        let Some(cols) = &columns else {
            match find_columns(&fields, opts) {
                Ok(c) => columns = Some(c),
                Err(message) => {
                    report.issues.push(ImportIssue {
                        line: line_no,
                        message,
                    });
                    return Ok(report);
                }
            }
            continue;
        };
        report.rows += 1;
        match csv_row(&fields, cols, opts, builder) {
            Ok(()) => report.added += 1,
            Err(message) => report.issues.push(ImportIssue {
                line: line_no,
                message,
            }),
        }
    }
    if columns.is_none() {
        report.merge(ImportReport {
            rows: 0,
            added: 0,
            issues: vec![ImportIssue {
                line: 1,
                message: "input has no header row".into(),
            }],
        });
    }
    Ok(report)
}

fn csv_row(
    fields: &[String],
    cols: &Columns,
    opts: &CsvOptions,
    builder: &mut ListBuilder,
) -> Result<(), String> {
    let field = |i: Option<usize>| {
        i.and_then(|i| fields.get(i))
            .map(String::as_str)
            .unwrap_or("")
    };
    let hex = field(Some(cols.hash));
    if hex.is_empty() {
        return Err("empty hash field".into());
    }
    let kind = match (cols.hash_kind, cols.kind) {
        (Some(k), _) => k,
        (None, Some(_)) if !field(cols.kind).is_empty() => HashKind::from_name(field(cols.kind))
            .ok_or_else(|| format!("unknown hash kind {:?}", field(cols.kind)))?,
        _ => opts.default_kind.ok_or("row has no hash kind")?,
    };
    let bytes = kind.parse_hex(hex).map_err(|e| e.to_string())?;
    let mut orgs = 0u64;
    let sources: Vec<&str> = field(cols.source)
        .split([';', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let defaults: Vec<&str> = opts.default_source.iter().map(String::as_str).collect();
    for name in if sources.is_empty() {
        defaults
    } else {
        sources
    } {
        orgs |= 1u64 << builder.add_org(name).map_err(|e| e.to_string())?;
    }
    let label = Some(field(cols.label))
        .filter(|s| !s.is_empty())
        .unwrap_or(&opts.default_label);
    let category = Some(field(cols.category))
        .filter(|s| !s.is_empty())
        .unwrap_or(&opts.default_category);
    builder
        .add(kind, &bytes, orgs, label, category)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_handles_quotes_and_delimiters() {
        assert_eq!(
            split_fields("a, \"b,c\" ,d", ',').unwrap(),
            vec!["a", "b,c", "d"]
        );
        assert_eq!(split_fields("\"x\"\"y\"", ',').unwrap(), vec!["x\"y"]);
        assert!(split_fields("\"open", ',').is_err());
        assert_eq!(split_fields("a\tb", '\t').unwrap(), vec!["a", "b"]);
    }
}
