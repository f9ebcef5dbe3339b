//! MD5/SHA-1/SHA-256 of raw bytes.
