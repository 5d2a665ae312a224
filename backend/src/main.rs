//! The `letterbox` command: parse arguments, load configuration, serve.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "letterbox", version, about = "Self-hosted webmail in front of any IMAP server", after_long_help = letterbox::config::ENV_HELP, after_help = letterbox::config::ENV_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and the JSON API.
    Serve {
        /// A TOML file with settings; environment variables override it.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Print the OpenAPI 3.1 document of the JSON API and exit.
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_target(false)
        .init();
    let config = match cli.command {
        Command::Serve { config } => config,
        Command::Openapi => {
            println!("{}", letterbox::http::api::openapi().to_pretty_json().unwrap_or_default());
            return ExitCode::SUCCESS;
        }
    };
    let config = match letterbox::config::Config::load(config.as_deref(), |name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("letterbox: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = match letterbox::runtime() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("letterbox: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(letterbox::serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("letterbox: {err}");
            ExitCode::FAILURE
        }
    }
}
