//! `preflight classify`: run the ONNX classifiers on image files or texts (feature `onnx`).
//!
//! Paths default to what `scripts/setup-onnx.sh` installs under `.tools/` (or
//! `PREFLIGHT_TOOLS_DIR`); `--runtime` / `PREFLIGHT_ORT_DYLIB` and the model flags override them.

use clap::{Args, Subcommand};
use preflight::classify::{
    Category, ClassifierConfig, ClassifierSet, Detection, NsfwScore, TextLabel, TextModelConfig,
};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `preflight classify`.
#[derive(Args)]
pub struct ClassifyArgs {
    #[command(subcommand)]
    command: ClassifyCommand,
    /// Directory made by scripts/setup-onnx.sh [default: $PREFLIGHT_TOOLS_DIR, else .tools].
    #[arg(long, global = true)]
    tools_dir: Option<PathBuf>,
    /// ONNX Runtime shared library
    /// [default: $PREFLIGHT_ORT_DYLIB, else <tools-dir>/onnxruntime/libonnxruntime.so].
    #[arg(long, global = true)]
    runtime: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum ClassifyCommand {
    /// Score image files with open_nsfw (and NudeNet when --nudenet-model is given).
    Image {
        /// Image files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// open_nsfw model (default: <tools-dir>/models/open-nsfw.onnx).
        #[arg(long)]
        nsfw_model: Option<PathBuf>,
        /// Opt in to NudeNet (AGPL-3.0) with this 320n.onnx.
        #[arg(long)]
        nudenet_model: Option<PathBuf>,
    },
    /// Classify texts with a bring-your-own model (needs the `onnx-text` feature).
    Text {
        /// Texts, classified as one batch.
        #[arg(required = true)]
        texts: Vec<String>,
        /// The ONNX model.
        #[arg(long)]
        model: PathBuf,
        /// Its Hugging Face tokenizer.json.
        #[arg(long)]
        tokenizer: PathBuf,
        /// Classes in output order, comma-separated, each `name` or `name:category`
        /// (categories: nudity, grooming, self_harm, sexual).
        #[arg(long, value_delimiter = ',', required = true)]
        labels: Vec<String>,
        /// The model outputs probabilities (default: logits, softmax applied).
        #[arg(long)]
        probabilities: bool,
        /// Maximum tokens per text.
        #[arg(long, default_value_t = 256)]
        max_length: usize,
    },
}

#[derive(Serialize)]
struct ImageReport {
    path: PathBuf,
    nsfw: NsfwScore,
    #[serde(skip_serializing_if = "Option::is_none")]
    nudenet: Option<Vec<Detection>>,
}

fn parse_label(spec: &str) -> Result<TextLabel, String> {
    match spec.split_once(':') {
        None => Ok(TextLabel {
            name: spec.to_string(),
            category: None,
        }),
        Some((name, cat)) => match Category::from_name(cat) {
            Some(category) => Ok(TextLabel {
                name: name.to_string(),
                category: Some(category),
            }),
            None => Err(format!("unknown category {cat:?} in label {spec:?}")),
        },
    }
}

/// Run `preflight classify`.
pub fn run(args: ClassifyArgs) -> ExitCode {
    match run_inner(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("preflight classify: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn run_inner(args: ClassifyArgs) -> Result<(), String> {
    let env_path = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let tools_dir = args
        .tools_dir
        .or_else(|| env_path("PREFLIGHT_TOOLS_DIR"))
        .unwrap_or_else(|| PathBuf::from(".tools"));
    let mut config = ClassifierConfig::from_tools_dir(&tools_dir);
    if let Some(rt) = args.runtime.or_else(|| env_path("PREFLIGHT_ORT_DYLIB")) {
        config.runtime_path = rt;
    }
    match args.command {
        ClassifyCommand::Image {
            files,
            nsfw_model,
            nudenet_model,
        } => {
            if let Some(m) = nsfw_model {
                config.nsfw_model = Some(m);
            }
            config.nudenet_model = nudenet_model;
            classify_images(config, files, args.json)
        }
        ClassifyCommand::Text {
            texts,
            model,
            tokenizer,
            labels,
            probabilities,
            max_length,
        } => {
            let labels = labels
                .iter()
                .map(|l| parse_label(l))
                .collect::<Result<Vec<_>, _>>()?;
            let name = model
                .file_stem()
                .map_or("text".into(), |s| s.to_string_lossy().into_owned());
            config.nsfw_model = None;
            config.text_model = Some(TextModelConfig {
                name,
                model,
                tokenizer,
                labels,
                max_length,
                outputs_probabilities: probabilities,
            });
            classify_texts(config, &texts, args.json)
        }
    }
}

/// `classify image`: open_nsfw (and NudeNet when configured) on each file.
fn classify_images(
    config: ClassifierConfig,
    files: Vec<PathBuf>,
    json: bool,
) -> Result<(), String> {
    let with_nudenet = config.nudenet_model.is_some();
    let set = ClassifierSet::new(config);
    let mut reports = Vec::new();
    for path in files {
        let bytes =
            std::fs::read(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let img = preflight::media::decode(&bytes, &preflight::media::DecodeLimits::default())
            .map_err(|e| format!("{}: cannot decode: {e}", path.display()))?
            .pixels
            .to_rgb();
        let nsfw = set
            .nsfw(&img)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let nudenet = if with_nudenet {
            Some(
                set.nudenet(&img)
                    .map_err(|e| format!("{}: {e}", path.display()))?,
            )
        } else {
            None
        };
        if !json {
            print_image_report(&path, &nsfw, nudenet.as_deref());
        }
        reports.push(ImageReport {
            path,
            nsfw,
            nudenet,
        });
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&reports).map_err(|e| e.to_string())?
        );
    }
    Ok(())
}

/// One image's scores as text lines: the open_nsfw score, then each NudeNet box.
fn print_image_report(path: &std::path::Path, nsfw: &NsfwScore, nudenet: Option<&[Detection]>) {
    println!(
        "{:.4}  {} {}  {}",
        nsfw.nsfw,
        nsfw.model,
        nsfw.label,
        path.display()
    );
    for d in nudenet.into_iter().flatten() {
        let b = d.bbox;
        println!(
            "        {:.3}  {} {}  box {:.0},{:.0} {:.0}x{:.0}",
            d.score, d.model, d.label, b.x, b.y, b.w, b.h
        );
    }
}

/// `classify text`: the bring-your-own text classifier on each text.
fn classify_texts(config: ClassifierConfig, texts: &[String], json: bool) -> Result<(), String> {
    let set = ClassifierSet::new(config);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let scores = set.text(&refs).map_err(|e| e.to_string())?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&scores).map_err(|e| e.to_string())?
        );
    } else {
        for (text, s) in texts.iter().zip(&scores) {
            let parts: Vec<String> = s
                .scores
                .iter()
                .map(|l| format!("{}={:.3}", l.label, l.score))
                .collect();
            println!("{}  {:?}", parts.join(" "), text);
        }
    }
    Ok(())
}
