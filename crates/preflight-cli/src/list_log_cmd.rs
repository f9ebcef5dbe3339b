//! `preflight list log append|prove|verify`: the issuer's transparency log of published list
//! digests (`preflight::lists::log`). `append` adds a list to the log file and prints the new
//! signed tree head; `prove` writes the proof an update carries (inclusion of the list, and
//! consistency from the tree size a device holds); `verify` checks a proof as a device would,
//! optionally against the tree head the device (or an auditor) holds.

use crate::list_cmd::{fail, print_json, read_file, trusted};
use clap::{Args, Subcommand};
use preflight::lists::log::{verify_update, IssuerLog, LogProof, SignedTreeHead};
use preflight::lists::{HashList, IssuerSecretKey, ListError, Verification};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `preflight list log`.
#[derive(Args)]
pub struct LogArgs {
    #[command(subcommand)]
    command: LogCommand,
}

#[derive(Subcommand)]
enum LogCommand {
    /// Append a list's digest to the log (created if missing) and print the signed tree head.
    Append(AppendArgs),
    /// Write the proof an update carries: signed tree head, inclusion, consistency.
    Prove(ProveArgs),
    /// Check a proof for a list as a device does (optionally against a held tree head).
    Verify(VerifyLogArgs),
}

#[derive(Args)]
struct AppendArgs {
    /// The issuer's log file.
    #[arg(long)]
    log: PathBuf,
    /// The list to append (its digest is checked, not its signature).
    #[arg(long)]
    list: PathBuf,
    /// Issuer secret key: signs the new tree head.
    #[arg(long)]
    key: PathBuf,
    /// Where to write the signed tree head (hex).
    #[arg(long)]
    head_out: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ProveArgs {
    /// The issuer's log file.
    #[arg(long)]
    log: PathBuf,
    /// The list the proof is for.
    #[arg(long)]
    list: PathBuf,
    /// Issuer secret key (signs a fresh tree head).
    #[arg(long)]
    key: PathBuf,
    /// Tree size the receiving device holds (0: first install).
    #[arg(long, default_value_t = 0)]
    from_size: u64,
    /// Output proof file.
    #[arg(long, short)]
    out: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct VerifyLogArgs {
    /// The proof file.
    #[arg(long)]
    proof: PathBuf,
    /// The list it is for.
    #[arg(long)]
    list: PathBuf,
    /// Trusted public key files of the issuer.
    #[arg(long, required = true)]
    trust: Vec<PathBuf>,
    /// A tree head held before (hex file, as `append --head-out` or a device export writes).
    #[arg(long)]
    head: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct HeadReport {
    tree_size: u64,
    root_hex: String,
    timestamp: u64,
    head_hex: String,
}

impl HeadReport {
    fn of(h: &SignedTreeHead) -> HeadReport {
        HeadReport {
            tree_size: h.tree_size,
            root_hex: preflight::lists::kinds::hex_encode(&h.root),
            timestamp: h.timestamp,
            head_hex: h.to_hex(),
        }
    }

    fn print(&self, json: bool) -> ExitCode {
        if json {
            return print_json(self);
        }
        println!("tree size     {}", self.tree_size);
        println!("root          {}", self.root_hex);
        println!("timestamp     {}", self.timestamp);
        println!("tree head     {}", self.head_hex);
        ExitCode::SUCCESS
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn list_digest(path: &Path) -> Result<[u8; 32], ListError> {
    Ok(HashList::open_with(path, None, Verification::InspectOnly)?.digest())
}

fn read_log(path: &Path) -> Result<IssuerLog, ListError> {
    if !path.exists() {
        return Ok(IssuerLog::new());
    }
    IssuerLog::from_bytes(&read_file(path)?)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ListError> {
    std::fs::write(path, bytes).map_err(|e| ListError::io(format!("writing {}", path.display()), e))
}

/// `preflight list log ...`.
pub fn run(args: LogArgs) -> ExitCode {
    let result = match args.command {
        LogCommand::Append(a) => append(&a).map(|h| h.print(a.json)),
        LogCommand::Prove(a) => prove(&a).map(|h| h.print(a.json)),
        LogCommand::Verify(a) => verify(&a).map(|h| h.print(a.json)),
    };
    result.unwrap_or_else(fail)
}

fn append(a: &AppendArgs) -> Result<HeadReport, ListError> {
    let key = IssuerSecretKey::read(&a.key)?;
    let mut log = read_log(&a.log)?;
    log.append(list_digest(&a.list)?);
    let temp = a.log.with_extension("tmp");
    write(&temp, &log.to_bytes())?;
    std::fs::rename(&temp, &a.log)
        .map_err(|e| ListError::io(format!("writing {}", a.log.display()), e))?;
    let head = log.tree_head(&key, now());
    if let Some(out) = &a.head_out {
        write(out, format!("{}\n", head.to_hex()).as_bytes())?;
    }
    Ok(HeadReport::of(&head))
}

fn prove(a: &ProveArgs) -> Result<HeadReport, ListError> {
    let key = IssuerSecretKey::read(&a.key)?;
    let log = read_log(&a.log)?;
    let proof = log.prove(&list_digest(&a.list)?, a.from_size, &key, now())?;
    write(&a.out, &proof.to_bytes())?;
    Ok(HeadReport::of(&proof.head))
}

fn verify(a: &VerifyLogArgs) -> Result<HeadReport, ListError> {
    let keys = trusted(&a.trust)?;
    let list = HashList::open(&a.list, &keys)?;
    let proof = LogProof::from_bytes(&read_file(&a.proof)?)?;
    let held = match &a.head {
        Some(p) => {
            let text = String::from_utf8_lossy(&read_file(p)?).into_owned();
            Some(SignedTreeHead::from_hex(&text)?)
        }
        None => None,
    };
    let head = verify_update(&proof, &list.digest(), held.as_ref(), &keys)?;
    Ok(HeadReport::of(&head))
}
