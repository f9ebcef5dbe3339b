//! Text signals: evasion-resistant normalization, lexicons, matching and conversation risk.
