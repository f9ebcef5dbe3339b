//! Text matching benchmark (placeholder until the criterion bench lands).
fn main() {}
