//! The user-initiated report: what the app shows the user before sending (a redaction preview)
//! and attaches to the report it sends. Built only when the user asks; the library sends
//! nothing. JSON schema `preflight.report` version 2 (docs/report-schema.md):
//!
//! ```json
//! {"schema":"preflight.report","schema_version":2,"library_version":"0.1.0",
//!  "list":{...ListInfo...},"models":["open-nsfw.onnx"],
//!  "conversation":{...ConversationAssessment...},
//!  "messages":[{"direction":"received","sent_at_ms":1700000000000,"text":"..."}]}
//! ```

use crate::error::PreflightError;
use preflight::text::Direction;
use serde::Serialize;

/// Version of the report JSON (1: the conversation and list only; 2: adds the messages the
/// user reports, the models and the schema fields).
pub const REPORT_SCHEMA_VERSION: u32 = 2;
/// Messages kept when the app does not say (WhatsApp sends the last 5 of the reported contact).
pub const DEFAULT_REPORT_MESSAGES: u32 = 5;
/// Upper bound on the messages a report carries (Messenger sends up to 30).
pub const MAX_REPORT_MESSAGES: u32 = 100;

/// One message the user reports, as the app holds it (decrypted, on the device).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct ReportMessage {
    /// Who wrote it, from the local user's point of view.
    pub direction: Direction,
    /// When it was sent, in milliseconds since the Unix epoch (as the app shows it).
    pub sent_at_ms: u64,
    /// Its text (attachments: the app's own placeholder, e.g. "[image]").
    pub text: String,
}

/// What the library itself puts in a report, at most: the list summary, the assessment (eight
/// stages, at most 32 evidence items with excerpts of at most 80 bytes and lexicon ids of at
/// most 256 bytes, each escaped at most sixfold) and the envelopes of 100 messages. Ids from
/// extra lexicon files the app loads are the app's: count them in `app_bytes`.
const REPORT_FIXED_BYTES: usize = 128 << 10;

/// Upper bound on the length of a report's JSON, in bytes (docs/report-schema.md): 128 KiB for
/// what the library fills in, plus six bytes (a `\u00XX` escape) for each byte of what the
/// app passes in: the conversation id (`conversation_id_bytes`) and the reported messages'
/// texts, list organisation names and model file names (`app_bytes`).
pub fn report_json_bound(conversation_id_bytes: usize, app_bytes: usize) -> usize {
    REPORT_FIXED_BYTES.saturating_add(
        conversation_id_bytes
            .saturating_add(app_bytes)
            .saturating_mul(6),
    )
}

/// How many of `given` messages a report keeps: the last `max` (default 5, at most 100).
pub(crate) fn last_messages(mut given: Vec<ReportMessage>, max: Option<u32>) -> Vec<ReportMessage> {
    let keep = max
        .unwrap_or(DEFAULT_REPORT_MESSAGES)
        .min(MAX_REPORT_MESSAGES) as usize;
    let drop = given.len().saturating_sub(keep);
    given.drain(..drop);
    given
}

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    schema_version: u32,
    #[serde(flatten)]
    core: &'a preflight::ReportBundle,
    models: &'a [String],
    messages: &'a [ReportMessage],
}

/// The report JSON (schema above).
pub(crate) fn json(
    core: &preflight::ReportBundle,
    models: &[String],
    messages: &[ReportMessage],
) -> Result<String, PreflightError> {
    serde_json::to_string(&Document {
        schema: "preflight.report",
        schema_version: REPORT_SCHEMA_VERSION,
        core,
        models,
        messages,
    })
    .map_err(|e| PreflightError::InvalidState(format!("cannot serialize report: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(i: u64) -> ReportMessage {
        ReportMessage {
            direction: Direction::Received,
            sent_at_ms: i,
            text: format!("m{i}"),
        }
    }

    #[test]
    fn keeps_the_last_n_messages_default_five_capped() {
        let all: Vec<_> = (0..8).map(msg).collect();
        let kept = last_messages(all.clone(), None);
        assert_eq!(
            kept.iter().map(|m| m.sent_at_ms).collect::<Vec<_>>(),
            vec![3, 4, 5, 6, 7]
        );
        assert_eq!(last_messages(all.clone(), Some(2)), all[6..].to_vec());
        assert_eq!(last_messages(all.clone(), Some(50)).len(), 8);
        assert!(last_messages(all, Some(0)).is_empty());
        let many: Vec<_> = (0..150).map(msg).collect();
        assert_eq!(
            last_messages(many, Some(u32::MAX)).len(),
            MAX_REPORT_MESSAGES as usize
        );
    }
}
