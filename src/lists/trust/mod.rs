//! Trust: who may sign lists and how a device checks it (issuer keys and trusted key sets)
//! and how anyone can check that every device got the same lists (the transparency log).

pub mod keys;
pub mod log;
