//! The `precis` command line: flags → validated settings → library calls. See `precis --help`.

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::flags::{Cli, Command, ModelCommand};
use crate::cli::{commands, output, usage};

fn main() -> ExitCode {
    let cli = Cli::parse(); // usage errors exit with 2, as clap does
    if let Some(threads) = cli.global.threads {
        // candle's CPU kernels and rayon's pool both size themselves from RAYON_NUM_THREADS.
        // SAFETY: nothing has spawned a thread yet, so no one else can read the environment.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("RAYON_NUM_THREADS", threads.to_string())
        };
    }
    init_logging(cli.global.verbose);
    output::remove_temporaries_on_signals();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) if err.chain().any(|e| e.is::<usage::UsageError>()) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The whole context chain on one line, outermost first, skipping a cause whose text the message
/// already carries (library errors often print their source themselves).
fn one_line(err: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in err.chain() {
        let text = cause.to_string().replace('\n', " ");
        if !message.contains(&text) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&text);
        }
    }
    message
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let global = commands::Global::new(&cli.global);
    match cli.command {
        Command::Embed(args) => commands::embed(&global, &args),
        Command::Text(args) => commands::text(&args),
        Command::Cluster(args) => commands::cluster(&global, &args),
        Command::Summarize(args) => commands::summarize(&global, &args),
        Command::Batch(args) => commands::batch(&global, &args),
        Command::Stories(args) => commands::stories(&global, &args),
        Command::Eval(args) => commands::eval(&args),
        Command::Train(args) => commands::train(&global, &args),
        Command::Bench(args) => commands::bench(&global, &args),
        Command::Model(ModelCommand::Fetch { name }) => commands::model_fetch(&global, &name),
        Command::Model(ModelCommand::List) => commands::model_list(&global),
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PRECIS_LOG").unwrap_or_else(|_| level.into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

/// A closed pipe (`precis batch ... | head`) is the reader's choice, not an error (as in ripgrep).
/// serde_json and the report writers keep the I/O error inside their own, so they are asked too.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        let io = e.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
        let json = e.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind);
        let report = e.downcast_ref::<precis::report::WriteError>().and_then(precis::report::WriteError::io_kind);
        io.or(json).or(report) == Some(std::io::ErrorKind::BrokenPipe)
    })
}
